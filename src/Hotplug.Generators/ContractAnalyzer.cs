using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Hotplug.Contracts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hotplug.Generators;

/// <summary>
/// Turns a contract interface symbol into a model the emitters can write, or into problems to report. The rules
/// are <see cref="ContractRules"/>, the same file the contract layer applies to reflection at run time.
/// </summary>
internal static class ContractAnalyzer
{
    public const string AttributeName = "Hotplug.PluginContractAttribute";
    public const string AbstractionsAssembly = "Hotplug.Abstractions";
    public const string RouterRegistryName = "Hotplug.Routing.RouterRegistry";
    public const string ContractRegistryName = "Hotplug.Contracts.ContractRegistry";

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static ContractAnalysis Analyze(INamedTypeSymbol contract, bool declaredHere, CancellationToken cancellationToken)
    {
        var fullName = contract.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var location = declaredHere ? LocationInfo.From(contract.Locations.FirstOrDefault() ?? Location.None) : null;
        var problems = new List<ContractProblem>();
        if (contract.IsGenericType)
        {
            problems.Add(new ContractProblem("HPG005", contract.Name, fullName, location));
        }

        if (!IsAccessible(contract, declaredHere))
        {
            problems.Add(new ContractProblem("HPG004", contract.Name, fullName, location));
        }

        var methods = new List<MethodModel>();
        foreach (var @interface in new[] { contract }.Concat(contract.AllInterfaces))
        {
            foreach (var member in @interface.GetMembers())
            {
                cancellationToken.ThrowIfCancellationRequested();
                AnalyzeMember(member, @interface, fullName, declaredHere, methods, problems);
            }
        }

        // A method outside the contract layer's parameter rules still gets its router (it is called in process), but
        // no contract code: the other runtimes refuse it, as ContractDescriptor does at run time.
        var model = problems.All(p => Diagnostics.ById(p.DiagnosticId).DefaultSeverity != DiagnosticSeverity.Error)
            ? new ContractModel(fullName, RouterName(fullName), new EquatableArray<MethodModel>(methods.ToImmutableArray()), Describable: problems.Count == 0)
            : null;
        return new ContractAnalysis(model, new EquatableArray<ContractProblem>(problems.ToImmutableArray()));
    }

    /// <summary>Finds public contract interfaces in the assemblies the compilation references.</summary>
    public static EquatableArray<ContractAnalysis> FindReferenced(Compilation compilation, CancellationToken cancellationToken)
    {
        var attribute = compilation.GetTypeByMetadataName(AttributeName);
        if (attribute is null || (compilation.GetTypeByMetadataName(RouterRegistryName) is null && compilation.GetTypeByMetadataName(ContractRegistryName) is null))
        {
            return default;
        }

        var found = new List<ContractAnalysis>();
        foreach (var assembly in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            // Only assemblies that can declare contracts: those that reference the abstractions.
            if (assembly.Name != AbstractionsAssembly &&
                !assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == AbstractionsAssembly)))
            {
                continue;
            }

            foreach (var type in PublicTypes(assembly.GlobalNamespace))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (type.TypeKind == TypeKind.Interface &&
                    type.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute)))
                {
                    var analysis = Analyze(type, declaredHere: false, cancellationToken);
                    if (analysis.Contract is not null)
                    {
                        found.Add(analysis);
                    }
                }
            }
        }

        return new EquatableArray<ContractAnalysis>(found.ToImmutableArray());
    }

    private static void AnalyzeMember(ISymbol member, INamedTypeSymbol @interface, string contract, bool declaredHere, List<MethodModel> methods, List<ContractProblem> problems)
    {
        LocationInfo? Where() => declaredHere ? LocationInfo.From(member.Locations.FirstOrDefault() ?? Location.None) : null;

        switch (member)
        {
            case IMethodSymbol { MethodKind: MethodKind.Ordinary } method when method.IsStatic:
                if (method.IsAbstract || method.IsVirtual)
                {
                    problems.Add(new ContractProblem("HPG001", method.Name, contract, Where()));
                }

                return;
            case IMethodSymbol { MethodKind: MethodKind.Ordinary } method:
                if (method.IsGenericMethod)
                {
                    problems.Add(new ContractProblem("HPG002", method.Name, contract, Where()));
                    return;
                }

                if (method.Parameters.Any(p => p.RefKind is RefKind.Ref or RefKind.Out || (int)p.RefKind == 4))
                {
                    problems.Add(new ContractProblem("HPG003", method.Name, contract, Where()));
                    return;
                }

                var model = ToModel(method, @interface);
                var broken = ContractRules.CheckParameters(model.Parameters.Select(p => p.Role).ToList());
                if (broken is not null)
                {
                    problems.Add(new ContractProblem(broken == ContractRules.TwoTokensFormat ? "HPG006" : "HPG007", method.Name, contract, Where()));
                }

                methods.Add(model);
                return;
            case IPropertySymbol or IEventSymbol when !member.IsStatic || member.IsAbstract || member.IsVirtual:
                problems.Add(new ContractProblem("HPG001", member.Name, contract, Where()));
                return;
        }
    }

    private static MethodModel ToModel(IMethodSymbol method, INamedTypeSymbol @interface)
    {
        var parameters = method.Parameters.Select(p =>
        {
            var role = ContractRules.RoleOf(MetadataName(p.Type));
            var item = role == ParameterRole.Stream ? ((INamedTypeSymbol)p.Type).TypeArguments[0] : null;
            return new ParameterModel(
                p.Type.ToDisplayString(TypeFormat),
                Escape(p.Name),
                p.RefKind == RefKind.In ? "in " : string.Empty,
                role,
                p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
                item?.ToDisplayString(TypeFormat),
                p.Name);
        }).ToImmutableArray();

        var shape = ContractRules.ShapeOf(method.ReturnsVoid ? null : MetadataName(method.ReturnType));
        var result = !ContractRules.HasResult(shape) ? null
            : ContractRules.IsWrapped(shape) ? ((INamedTypeSymbol)method.ReturnType).TypeArguments[0]
            : method.ReturnType;

        // As GeneratedOperation reads it: the result, then each value, followed by its items' when it streams.
        var nullability = new StringBuilder();
        nullability.Append(result is null ? '-' : NullabilityOf(result));
        foreach (var parameter in method.Parameters.Where(p => ContractRules.RoleOf(MetadataName(p.Type)) != ParameterRole.Token))
        {
            nullability.Append(NullabilityOf(parameter.Type));
            if (ContractRules.RoleOf(MetadataName(parameter.Type)) == ParameterRole.Stream)
            {
                nullability.Append(NullabilityOf(((INamedTypeSymbol)parameter.Type).TypeArguments[0]));
            }
        }

        return new MethodModel(
            @interface.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            method.Name,
            method.ReturnsVoid ? "void" : method.ReturnType.ToDisplayString(TypeFormat),
            shape,
            new EquatableArray<ParameterModel>(parameters),
            result?.ToDisplayString(TypeFormat),
            nullability.ToString());
    }

    /// <summary>Gets the name <see cref="ContractRules"/> know a type by, as reflection writes it: a generic type by its definition's (<c>System.Threading.Tasks.Task`1</c>).</summary>
    private static string MetadataName(ITypeSymbol type)
    {
        var definition = type.OriginalDefinition;
        var prefix = definition.ContainingType is { } outer ? MetadataName(outer) + "+"
            : definition.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "."
            : string.Empty;
        return prefix + definition.MetadataName;
    }

    /// <summary>What the compiler knows of a type's nulls, as NullabilityInfoContext reads it at run time.</summary>
    private static char NullabilityOf(ITypeSymbol type) =>
        type.IsValueType ? (type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T ? '?' : 'n')
        : type.NullableAnnotation switch
        {
            NullableAnnotation.Annotated => '?',
            NullableAnnotation.NotAnnotated => 'n',
            _ => '-',
        };

    private static bool IsAccessible(INamedTypeSymbol type, bool declaredHere)
    {
        for (ISymbol? current = type; current is INamedTypeSymbol named; current = current.ContainingType)
        {
            var accessibility = named.DeclaredAccessibility;
            var ok = accessibility == Accessibility.Public ||
                (declaredHere && accessibility is Accessibility.Internal or Accessibility.ProtectedOrInternal);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<INamedTypeSymbol> PublicTypes(INamespaceSymbol @namespace)
    {
        foreach (var member in @namespace.GetMembers())
        {
            if (member is INamespaceSymbol child)
            {
                foreach (var type in PublicTypes(child))
                {
                    yield return type;
                }
            }
            else if (member is INamedTypeSymbol type && type.DeclaredAccessibility == Accessibility.Public)
            {
                yield return type;
                foreach (var nested in NestedPublicTypes(type))
                {
                    yield return nested;
                }
            }
        }
    }

    private static IEnumerable<INamedTypeSymbol> NestedPublicTypes(INamedTypeSymbol type)
    {
        foreach (var nested in type.GetTypeMembers().Where(t => t.DeclaredAccessibility == Accessibility.Public))
        {
            yield return nested;
            foreach (var deeper in NestedPublicTypes(nested))
            {
                yield return deeper;
            }
        }
    }

    private static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.AwaitKeyword ? "@" + name : name;

    private static string RouterName(string fullName)
    {
        var builder = new StringBuilder();
        foreach (var c in fullName.Replace("global::", string.Empty))
        {
            builder.Append(char.IsLetterOrDigit(c) ? c : '_');
        }

        return builder.Append("_Router").ToString();
    }
}
