using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hotplug.Generators;

/// <summary>Turns a contract interface symbol into a model the emitter can write, or into problems to report.</summary>
internal static class ContractAnalyzer
{
    public const string AttributeName = "Hotplug.PluginContractAttribute";
    public const string AbstractionsAssembly = "Hotplug.Abstractions";

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

        var model = problems.Count == 0
            ? new ContractModel(fullName, RouterName(fullName), new EquatableArray<MethodModel>(methods.ToImmutableArray()))
            : null;
        return new ContractAnalysis(model, new EquatableArray<ContractProblem>(problems.ToImmutableArray()));
    }

    /// <summary>Finds public contract interfaces in the assemblies the compilation references.</summary>
    public static EquatableArray<ContractAnalysis> FindReferenced(Compilation compilation, CancellationToken cancellationToken)
    {
        var attribute = compilation.GetTypeByMetadataName(AttributeName);
        if (attribute is null || compilation.GetTypeByMetadataName("Hotplug.Routing.RouterRegistry") is null)
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

                methods.Add(ToModel(method, @interface));
                return;
            case IPropertySymbol { IsStatic: false } or IEventSymbol { IsStatic: false }:
                problems.Add(new ContractProblem("HPG001", member.Name, contract, Where()));
                return;
        }
    }

    private static MethodModel ToModel(IMethodSymbol method, INamedTypeSymbol @interface)
    {
        var parameters = method.Parameters.Select(p => new ParameterModel(
            p.Type.ToDisplayString(TypeFormat),
            Escape(p.Name),
            p.RefKind == RefKind.In ? "in " : string.Empty,
            p.Type.ToDisplayString() == "System.Threading.CancellationToken")).ToImmutableArray();
        return new MethodModel(
            @interface.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            method.Name,
            method.ReturnsVoid ? "void" : method.ReturnType.ToDisplayString(TypeFormat),
            KindOf(method),
            new EquatableArray<ParameterModel>(parameters));
    }

    private static ReturnKind KindOf(IMethodSymbol method)
    {
        if (method.ReturnsVoid)
        {
            return ReturnKind.Void;
        }

        var type = method.ReturnType as INamedTypeSymbol;
        var name = type?.OriginalDefinition.ToDisplayString();
        return name switch
        {
            "System.Threading.Tasks.Task" => ReturnKind.Task,
            "System.Threading.Tasks.Task<TResult>" => ReturnKind.TaskOfT,
            "System.Threading.Tasks.ValueTask" => ReturnKind.ValueTask,
            "System.Threading.Tasks.ValueTask<TResult>" => ReturnKind.ValueTaskOfT,
            "System.Collections.Generic.IAsyncEnumerable<T>" => ReturnKind.AsyncEnumerable,
            _ => ReturnKind.Sync,
        };
    }

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
