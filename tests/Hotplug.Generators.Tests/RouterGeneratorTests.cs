using Microsoft.CodeAnalysis;

namespace Hotplug.Generators.Tests;

public sealed class RouterGeneratorTests
{
    private const string Contracts = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Hotplug;

        namespace Shop;

        public sealed record Order(string Id);

        public interface IBase { Task PingAsync(CancellationToken cancellationToken = default); }

        [PluginContract("shop/v1")]
        public interface IShop : IBase
        {
            ValueTask<Order> GetAsync(string id, CancellationToken cancellationToken = default);
            ValueTask ClearAsync();
            Task<int> CountAsync(in int @event, CancellationToken cancellationToken);
            IAsyncEnumerable<Order> ListAsync(int take, CancellationToken cancellationToken = default);
            string Name(string? prefix);
            void Reset();
            int Default() => 1;
        }
        """;

    [Fact]
    public void Run_ContractWithEveryMethodShape_GeneratesRouterThatCompilesCleanly()
    {
        var (output, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Contracts));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["HotplugRouterRegistration.g.cs", "Shop_IShop_Router.g.cs"], result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order());
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var router = result.GeneratedTrees.Single(t => t.FilePath.EndsWith("Shop_IShop_Router.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Contains("global::Shop.IBase.PingAsync", router);
        Assert.Contains("RouterHelpers.Stream(_slot", router);
        Assert.Contains("in int @event", router);
    }

    [Fact]
    public void Run_CompilationWithoutTheHost_GeneratesNothing()
    {
        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Contracts, withHost: false));

        Assert.Empty(result.GeneratedTrees);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Run_ContractInReferencedAssembly_GeneratesItsRouter()
    {
        var library = GeneratorHarness.ToReference(GeneratorHarness.Compile(Contracts, withHost: false));

        var (output, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile("namespace App; public static class Program { }", withHost: true, library));

        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("Shop_IShop_Router.g.cs", StringComparison.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Theory]
    [InlineData("int Count { get; }", "HPG001")]
    [InlineData("event System.EventHandler Changed;", "HPG001")]
    [InlineData("static abstract int Limit { get; }", "HPG001")]
    [InlineData("static virtual event System.EventHandler Changed { add { } remove { } }", "HPG001")]
    [InlineData("static abstract int Create();", "HPG001")]
    [InlineData("Task<T> GetAsync<T>();", "HPG002")]
    [InlineData("void Fill(ref int value);", "HPG003")]
    [InlineData("void Fill(out int value);", "HPG003")]
    public void Run_ContractMemberThatCannotCrossABoundary_ReportsDiagnosticAtTheMember(string member, string id)
    {
        var source = $$"""
            using System.Threading.Tasks;
            using Hotplug;
            [PluginContract("bad/v1")]
            public interface IBad
            {
                {{member}}
            }
            """;

        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(6, diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Contains("IBad", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.Contains("IBad", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_GenericContract_ReportsHpg005()
    {
        var source = """
            using Hotplug;
            [PluginContract("bad/v1")]
            public interface IBad<T> { void Take(T value); }
            """;

        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        Assert.Equal("HPG005", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void Run_PrivateNestedContract_ReportsHpg004()
    {
        var source = """
            using Hotplug;
            public class Outer
            {
                [PluginContract("bad/v1")]
                private interface IHidden { void Take(int value); }
            }
            """;

        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source));

        Assert.Equal("HPG004", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void Run_UnrelatedEdit_ContractStepsAreCached()
    {
        var compilation = GeneratorHarness.Compile(Contracts);
        var (_, _, driver) = GeneratorHarness.Run(compilation);

        var edited = compilation.AddSyntaxTrees(Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText("namespace Other; public static class Unrelated { }"));
        var (_, result, _) = GeneratorHarness.Run(edited, driver);

        var steps = result.Results.Single().TrackedSteps;
        Assert.All(steps[RouterGenerator.DeclaredStep].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(steps[RouterGenerator.ReferencedStep].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
    }
}
