using Hotplug.Contracts;
using Microsoft.CodeAnalysis;

namespace Hotplug.Generators;

/// <summary>The generator's diagnostics. Each says what to do, in the words the contract layer uses at run time (<see cref="ContractRules"/>).</summary>
internal static class Diagnostics
{
    private const string Category = "Hotplug";

    public static readonly DiagnosticDescriptor NotAMethod = new(
        "HPG001",
        "Plugin contracts have methods only",
        ContractRules.NotAMethodFormat,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericMethod = new(
        "HPG002",
        "Plugin contract methods cannot be generic",
        ContractRules.GenericMethodFormat,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RefParameter = new(
        "HPG003",
        "Plugin contract methods cannot have ref or out parameters",
        ContractRules.RefParameterFormat,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotAccessible = new(
        "HPG004",
        "Plugin contract is not accessible",
        "Contract '{0}' is not accessible to the host's generated router; make the interface (and any type it is nested in) public",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericContract = new(
        "HPG005",
        "Plugin contracts cannot be generic interfaces",
        ContractRules.GenericContractFormat,
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    // A warning, not an error: the router calls such a method in process as it always did, but no other runtime can.
    public static readonly DiagnosticDescriptor TwoTokens = new(
        "HPG006",
        "Plugin contract methods take at most one CancellationToken",
        ContractRules.TwoTokensFormat,
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StreamNotAlone = new(
        "HPG007",
        "A plugin contract method that streams its input takes nothing else",
        ContractRules.StreamNotAloneFormat,
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "HPG001" => NotAMethod,
        "HPG002" => GenericMethod,
        "HPG003" => RefParameter,
        "HPG004" => NotAccessible,
        "HPG006" => TwoTokens,
        "HPG007" => StreamNotAlone,
        _ => GenericContract,
    };
}
