using System.Collections.Immutable;
using Hotplug.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Hotplug.Generators.Tests;

/// <summary>Runs the real generator over source compiled against the real runtime and Hotplug assemblies.</summary>
internal static class GeneratorHarness
{
    private static readonly ImmutableArray<MetadataReference> Framework = [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator)
        .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
        .Select(p => MetadataReference.CreateFromFile(p))];

    public static readonly MetadataReference Abstractions = MetadataReference.CreateFromFile(typeof(PluginContractAttribute).Assembly.Location);

    /// <summary>What a host project references: the core (router registry) and the runtime package (slots, IPluginHost).</summary>
    public static readonly ImmutableArray<MetadataReference> Host =
    [
        MetadataReference.CreateFromFile(typeof(Hotplug.Routing.RouterRegistry).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(IPluginHost).Assembly.Location),
    ];

    public static readonly MetadataReference ContractLayer = MetadataReference.CreateFromFile(typeof(Hotplug.Contracts.ContractDescriptor).Assembly.Location);

    public static CSharpCompilation Compile(string source, bool withHost = true, params MetadataReference[] more) =>
        CSharpCompilation.Create(
            "Test" + Guid.NewGuid().ToString("N")[..8],
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "Contracts.cs")],
            [.. Framework, Abstractions, .. withHost ? Host : ImmutableArray<MetadataReference>.Empty, .. more],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>Compiles, runs the generator and emits the result, failing on any error.</summary>
    public static byte[] Build(string source, bool withHost, params MetadataReference[] more)
    {
        var (output, _, _) = Run(Compile(source, withHost, more));
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        return stream.ToArray();
    }

    public static (Compilation Output, GeneratorDriverRunResult Result, GeneratorDriver Driver) Run(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver ??= CSharpGeneratorDriver.Create(
            [new RouterGenerator().AsSourceGenerator()],
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        return (output, driver.GetRunResult(), driver);
    }

    public static MetadataReference ToReference(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emit = compilation.Emit(stream);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}
