using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Hotplug.Generators;

/// <summary>
/// Generates a router for every plugin contract the compilation declares or references, and registers the
/// routers with the host from a module initializer, so <c>IPluginHost.Get&lt;T&gt;</c> needs no reflection. Beside
/// them, where the compilation references the contract layer, it generates each contract's operations and proxy
/// (<see cref="ContractEmitter"/>), registered with <c>Hotplug.Contracts.ContractRegistry</c>.
/// </summary>
/// <remarks>
/// Routers come only in compilations that reference the Hotplug host (which defines <c>Hotplug.Routing.RouterRegistry</c>),
/// contract code only in those that reference Hotplug.Contracts (<c>Hotplug.Contracts.ContractRegistry</c>); plugins,
/// which reference only Hotplug.Abstractions, get nothing. The router's code does not change with the contract code.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class RouterGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the step that analyses contracts declared in the compilation.</summary>
    public const string DeclaredStep = "DeclaredContracts";

    /// <summary>Tracking name of the step that finds contracts in referenced assemblies.</summary>
    public const string ReferencedStep = "ReferencedContracts";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var hasHost = context.CompilationProvider
            .Select(static (c, _) => (Routers: c.GetTypeByMetadataName(ContractAnalyzer.RouterRegistryName) is not null, Contracts: c.GetTypeByMetadataName(ContractAnalyzer.ContractRegistryName) is not null));

        var declared = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ContractAnalyzer.AttributeName,
                static (node, _) => node is InterfaceDeclarationSyntax,
                static (ctx, ct) => ContractAnalyzer.Analyze((INamedTypeSymbol)ctx.TargetSymbol, declaredHere: true, ct))
            .WithTrackingName(DeclaredStep);

        var referenced = context.CompilationProvider
            .Select(static (c, ct) => ContractAnalyzer.FindReferenced(c, ct))
            .WithTrackingName(ReferencedStep);

        var all = declared.Collect().Combine(referenced).Combine(hasHost);
        context.RegisterSourceOutput(all, static (spc, input) =>
        {
            var ((declaredContracts, referencedContracts), host) = input;
            foreach (var problem in declaredContracts.SelectMany(c => c.Problems))
            {
                var descriptor = Diagnostics.ById(problem.DiagnosticId);
                var arguments = problem.DiagnosticId is "HPG004" or "HPG005"
                    ? new object[] { problem.Contract.Replace("global::", string.Empty) }
                    : new object[] { problem.Member, problem.Contract.Replace("global::", string.Empty) };
                spc.ReportDiagnostic(Diagnostic.Create(descriptor, problem.Location?.ToLocation() ?? Location.None, arguments));
            }

            if (!host.Routers && !host.Contracts)
            {
                return;
            }

            var contracts = new Dictionary<string, ContractModel>();
            foreach (var analysis in declaredContracts.Concat(referencedContracts))
            {
                if (analysis.Contract is { } contract && !contracts.ContainsKey(contract.FullName))
                {
                    contracts.Add(contract.FullName, contract);
                }
            }

            if (contracts.Count == 0)
            {
                return;
            }

            var ordered = contracts.Values.OrderBy(c => c.FullName, System.StringComparer.Ordinal).ToImmutableArray();
            if (host.Routers)
            {
                foreach (var contract in ordered)
                {
                    spc.AddSource(contract.RouterName + ".g.cs", RouterEmitter.Router(contract));
                }

                spc.AddSource("HotplugRouterRegistration.g.cs", RouterEmitter.Registration(ordered));
            }

            var described = ordered.Where(c => c.Describable).ToImmutableArray();
            if (host.Contracts && described.Length > 0)
            {
                foreach (var contract in described)
                {
                    spc.AddSource(contract.ContractClassName + ".g.cs", ContractEmitter.Contract(contract));
                }

                spc.AddSource("HotplugContractRegistration.g.cs", ContractEmitter.Registration(described));
            }
        });
    }
}
