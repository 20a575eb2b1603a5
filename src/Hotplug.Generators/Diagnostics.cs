using Microsoft.CodeAnalysis;

namespace Hotplug.Generators;

/// <summary>The generator's diagnostics. Each says what to do.</summary>
internal static class Diagnostics
{
    private const string Category = "Hotplug";

    public static readonly DiagnosticDescriptor NotAMethod = new(
        "HPG001",
        "Plugin contracts have methods only",
        "'{0}' of contract '{1}' is not a method; plugin contracts have methods only: replace properties, events and indexers with methods that take and return data messages",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericMethod = new(
        "HPG002",
        "Plugin contract methods cannot be generic",
        "Method '{0}' of contract '{1}' is generic; contract methods must be callable across processes and scripts: use concrete message types",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RefParameter = new(
        "HPG003",
        "Plugin contract methods cannot have ref or out parameters",
        "Method '{0}' of contract '{1}' has a ref or out parameter; contracts take data messages and return results: return a message instead",
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
        "Contract '{0}' is a generic interface; declare one non-generic contract per message type",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "HPG001" => NotAMethod,
        "HPG002" => GenericMethod,
        "HPG003" => RefParameter,
        "HPG004" => NotAccessible,
        _ => GenericContract,
    };
}
