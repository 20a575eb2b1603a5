using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Hotplug.Contracts;
using Microsoft.CodeAnalysis;

namespace Hotplug.Generators.Tests;

/// <summary>The contract layer's code the generator emits: it compiles, agrees with reflection, and works.</summary>
public sealed class ContractGeneratorTests
{
    private const string Contracts = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Runtime.CompilerServices;
        using System.Threading;
        using System.Threading.Tasks;
        using Hotplug;

        namespace Shop;

        public sealed record Order(string Id, int Quantity);

        public interface IBase { Task PingAsync(CancellationToken cancellationToken = default); }

        [PluginContract("shop/v1")]
        public interface IShop : IBase
        {
            ValueTask<Order> GetAsync(string id, CancellationToken cancellationToken = default);
            ValueTask<Order?> FindAsync(string? id, int? limit);
            ValueTask ClearAsync();
            Task<int> CountAsync(in int @event, CancellationToken cancellationToken);
            IAsyncEnumerable<Order> ListAsync(int take, CancellationToken cancellationToken = default);
            Task<string> UploadAsync(IAsyncEnumerable<Order?> orders, CancellationToken cancellationToken = default);
            IAsyncEnumerable<string> ExchangeAsync(IAsyncEnumerable<int> numbers);
            string Name(string? prefix);
            void Reset();
            int Default() => Helper();
            static int Limit => 1;
            static int Helper() => Limit;
        }
        """;

    private const string Implementation = """

            public sealed class Shop : IShop
            {
                public int Resets;
                public Task PingAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
                public async ValueTask<Order> GetAsync(string id, CancellationToken cancellationToken = default) { await Task.Yield(); return new Order(id, 1); }
                public ValueTask<Order?> FindAsync(string? id, int? limit) => new(id is null ? null : new Order(id, limit ?? 0));
                public ValueTask ClearAsync() => ValueTask.CompletedTask;
                public Task<int> CountAsync(in int @event, CancellationToken cancellationToken) => Task.FromResult(@event * 2);
                public async IAsyncEnumerable<Order> ListAsync(int take, [EnumeratorCancellation] CancellationToken cancellationToken = default)
                {
                    for (var i = 0; i < take; i++) { await Task.Yield(); yield return new Order("o" + i, i); }
                }
                public async Task<string> UploadAsync(IAsyncEnumerable<Order?> orders, CancellationToken cancellationToken = default)
                {
                    var ids = new List<string>();
                    await foreach (var order in orders) { ids.Add(order?.Id ?? "null"); }
                    return string.Join("+", ids);
                }
                public async IAsyncEnumerable<string> ExchangeAsync(IAsyncEnumerable<int> numbers)
                {
                    await foreach (var n in numbers) { yield return "#" + n; }
                }
                public string Name(string? prefix) => prefix + "shop";
                public void Reset() => Resets++;
            }

            public static class Driver
            {
                private static async IAsyncEnumerable<T> Items<T>(params T[] items) { foreach (var item in items) { await Task.Yield(); yield return item; } }

                public static async Task<string> RunAsync()
                {
                    var descriptor = Hotplug.Contracts.ContractDescriptor.For<IShop>();
                    var shop = new Shop();
                    var proxy = Hotplug.Contracts.ContractProxy.Create<IShop>(new Hotplug.Contracts.OperationDispatcher(descriptor, shop));
                    await proxy.PingAsync();
                    await proxy.ClearAsync();
                    proxy.Reset();
                    var parts = new List<string>
                    {
                        descriptor.IsGenerated.ToString(),
                        proxy.GetType().FullName!,
                        (await proxy.GetAsync("a")).ToString(),
                        (await proxy.FindAsync(null, 1))?.ToString() ?? "none",
                        (await proxy.FindAsync("b", null))!.ToString(),
                        (await proxy.CountAsync(21, CancellationToken.None)).ToString(),
                        string.Join(",", (await proxy.ListAsync(2).ToListAsync()).Select(o => o.Id)),
                        await proxy.UploadAsync(Items<Order?>(new Order("x", 1), null)),
                        string.Join(",", await proxy.ExchangeAsync(Items(1, 2)).ToListAsync()),
                        proxy.Name("my "),
                        proxy.Default().ToString(),
                        shop.Resets.ToString(),
                    };
                    return string.Join("|", parts);
                }
            }
        """;

    [Fact]
    public void Run_CompilationWithTheContractLayer_GeneratesContractCodeBesideTheRouterThatCompilesCleanly()
    {
        var (output, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Contracts, withHost: true, GeneratorHarness.ContractLayer));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(
            ["HotplugContractRegistration.g.cs", "HotplugRouterRegistration.g.cs", "Shop_IShop_Contract.g.cs", "Shop_IShop_Router.g.cs"],
            result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Run_ContractLayerWithoutTheHost_GeneratesContractCodeOnly()
    {
        var (output, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Contracts, withHost: false, GeneratorHarness.ContractLayer));

        Assert.Equal(["HotplugContractRegistration.g.cs", "Shop_IShop_Contract.g.cs"], result.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).Order(StringComparer.Ordinal));
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Run_WithTheContractLayer_TheRouterIsTheSameCode()
    {
        var (_, hostOnly, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Contracts, withHost: true));
        var (_, both, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Contracts, withHost: true, GeneratorHarness.ContractLayer));

        static string Router(GeneratorDriverRunResult result) => result.GeneratedTrees.Single(t => t.FilePath.EndsWith("Shop_IShop_Router.g.cs", StringComparison.Ordinal)).ToString();
        Assert.Equal(Router(hostOnly), Router(both));
    }

    [Fact]
    public async Task Generated_ProxyAndDispatch_CarryEveryShape()
    {
        var context = new AssemblyLoadContext("generated", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(new MemoryStream(GeneratorHarness.Build(Contracts + Implementation, withHost: false, GeneratorHarness.ContractLayer)));
            RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);

            var run = (Task<string>)assembly.GetType("Shop.Driver")!.GetMethod("RunAsync")!.Invoke(null, null)!;
            var parts = (await run).Split('|');

            Assert.Equal("True", parts[0]);
            Assert.StartsWith("Hotplug.Generated.Shop_IShop_Contract+Proxy", parts[1], StringComparison.Ordinal);
            Assert.Equal(
                ["Order { Id = a, Quantity = 1 }", "none", "Order { Id = b, Quantity = 0 }", "42", "o0,o1", "x+null", "#1,#2", "my shop", "1", "1"],
                parts[2..]);
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void Generated_Descriptor_AgreesWithReflection()
    {
        var context = new AssemblyLoadContext("compare", isCollectible: true);
        try
        {
            var generated = context.LoadFromStream(new MemoryStream(GeneratorHarness.Build(Contracts, withHost: false, GeneratorHarness.ContractLayer)));
            RuntimeHelpers.RunModuleConstructor(generated.ManifestModule.ModuleHandle);
            var reflected = context.LoadFromStream(new MemoryStream(GeneratorHarness.Build(Contracts, withHost: false)));

            var fromGenerator = ContractDescriptor.For(generated.GetType("Shop.IShop")!);
            var fromReflection = ContractDescriptor.For(reflected.GetType("Shop.IShop")!);

            Assert.True(fromGenerator.IsGenerated);
            Assert.False(fromReflection.IsGenerated);
            Assert.Equal(string.Join("\n", Describe(fromReflection)), string.Join("\n", Describe(fromGenerator)));
        }
        finally
        {
            context.Unload();
        }

        static string[] Describe(ContractDescriptor contract) =>
        [
            contract.Name,
            .. contract.Operations.Select(o => string.Join(
                " ",
                o.Index, o.Method.Name, o.Name, o.Kind, o.ResultShape, o.ResultType?.ToString(), o.ResultNullability, o.TokenIndex,
                string.Join(",", o.Parameters.Select(p => $"{p.Name}:{p.Type}:{p.Nullability}:{p.ItemType}:{p.ItemNullability}")))),
        ];
    }

    [Fact]
    public void Generated_InACollectibleContextForASharedContract_IsNotUsedAndDoesNotPinTheContext()
    {
        // The contract lives in the default context, as a host's shared contract does; a plugin built with the
        // generator is loaded in a collectible context and registers its code for it.
        var library = GeneratorHarness.Compile(Contracts.Replace("namespace Shop;", "namespace Shared;", StringComparison.Ordinal), withHost: false);
        var libraryImage = GeneratorHarness.ToReference(library);
        AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(Emit(library)));
        var plugin = GeneratorHarness.Build("namespace Plugin; public static class Entry { public static System.Type Contract => typeof(Shared.IShop); }", withHost: false, libraryImage, GeneratorHarness.ContractLayer);

        var weak = LoadPlugin(plugin, library.AssemblyName!, out var contract);
        var descriptor = ContractDescriptor.For(contract);

        Assert.False(descriptor.IsGenerated);
        for (var i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weak.IsAlive, "the plugin's context stayed alive after unload");
    }

    [Fact]
    public void Generated_ContractInACollectibleContext_IsUsedAndTheContextStillUnloads()
    {
        var weak = LoadAndDescribe(GeneratorHarness.Build(Contracts + Implementation, withHost: false, GeneratorHarness.ContractLayer), out var generated);

        Assert.True(generated);
        for (var i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weak.IsAlive, "the context of a generated contract stayed alive after unload");
    }

    [Theory]
    [InlineData("Task RunAsync(CancellationToken first, CancellationToken second);", "HPG006", "takes more than one CancellationToken")]
    [InlineData("Task RunAsync(IAsyncEnumerable<int> numbers, string label);", "HPG007", "takes an IAsyncEnumerable<T> parameter besides other data parameters")]
    public void Run_MethodOutsideTheParameterRules_WarnsAndGeneratesTheRouterButNoContractCode(string member, string id, string message)
    {
        var source = $$"""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Hotplug;
            [PluginContract("odd/v1")]
            public interface IOdd
            {
                {{member}}
            }
            """;

        var (_, result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(source, withHost: true, GeneratorHarness.ContractLayer));

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains(result.GeneratedTrees, t => t.FilePath.EndsWith("IOdd_Router.g.cs", StringComparison.Ordinal));
        Assert.DoesNotContain(result.GeneratedTrees, t => t.FilePath.EndsWith("IOdd_Contract.g.cs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Task<T> GetAsync<T>();")]
    [InlineData("void Fill(ref int value);")]
    [InlineData("int Count { get; }")]
    [InlineData("Task RunAsync(CancellationToken first, CancellationToken second);")]
    public void Diagnostic_And_RunTimeError_SayTheSame(string member)
    {
        var source = $$"""
            using System.Collections.Generic;
            using System.Threading;
            using System.Threading.Tasks;
            using Hotplug;
            namespace Rules;
            [PluginContract("bad/v1")]
            public interface IBad
            {
                {{member}}
            }
            """;
        var compilation = GeneratorHarness.Compile(source, withHost: false);
        var (_, result, _) = GeneratorHarness.Run(compilation);
        var context = new AssemblyLoadContext("rules", isCollectible: true);
        try
        {
            var contract = context.LoadFromStream(new MemoryStream(Emit(compilation))).GetType("Rules.IBad")!;

            var error = Assert.Throws<InvalidContractException>(() => ContractDescriptor.For(contract));

            Assert.Equal(Assert.Single(result.Diagnostics).GetMessage(CultureInfo.InvariantCulture), error.Message);
        }
        finally
        {
            context.Unload();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LoadPlugin(byte[] plugin, string library, out Type contract)
    {
        var context = new AssemblyLoadContext("plugin", isCollectible: true);
        var assembly = context.LoadFromStream(new MemoryStream(plugin));
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        contract = (Type)assembly.GetType("Plugin.Entry")!.GetProperty("Contract")!.GetValue(null)!;
        Assert.Equal(library, contract.Assembly.GetName().Name);
        context.Unload();
        return new WeakReference(context);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LoadAndDescribe(byte[] image, out bool generated)
    {
        var context = new AssemblyLoadContext("unload", isCollectible: true);
        var assembly = context.LoadFromStream(new MemoryStream(image));
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        var descriptor = ContractDescriptor.For(assembly.GetType("Shop.IShop")!);
        generated = descriptor.IsGenerated;
        var proxy = ContractProxy.Create(descriptor, new OperationDispatcher(descriptor, Activator.CreateInstance(assembly.GetType("Shop.Shop")!)!));
        Assert.NotNull(proxy);
        context.Unload();
        return new WeakReference(context);
    }

    private static byte[] Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        Assert.True(compilation.Emit(stream).Success);
        return stream.ToArray();
    }
}
