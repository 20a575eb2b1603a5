namespace Hotplug.Process.Tests;

/// <summary>
/// Who references what: a runtime builds on the runtime package alone, and only what runs plugins of its kind
/// references a runtime, so a new runtime never has to touch the core.
/// </summary>
public sealed class ReferenceRulesTests
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> References = Repository.ProjectReferences();

    [Theory]
    [InlineData("Hotplug.Process")]
    [InlineData("Hotplug.Assembly")]
    [InlineData("Hotplug.Bus")]
    public void Runtime_ReferencesTheRuntimePackage_NotTheHostCore(string runtime)
    {
        Assert.Contains("Hotplug.Runtime.Abstractions", References[runtime]);
        Assert.DoesNotContain("Hotplug", References[runtime]);
    }

    [Fact]
    public void ScriptCore_BuildsOnTheRuntimePackage_AndTheHostCoreReferencesNoScriptPackage()
    {
        Assert.Equal(["Hotplug.Runtime.Abstractions"], References["Hotplug.Scripting"]);
        Assert.DoesNotContain(References["Hotplug"], r => r.StartsWith("Hotplug.Scripting", StringComparison.Ordinal));
    }

    /// <summary>The interpreters build on the script core's pools; C# source, compiled, loads as an assembly plugin.</summary>
    [Theory]
    [InlineData("Hotplug.Scripting.Lua", "Hotplug.Scripting")]
    [InlineData("Hotplug.Scripting.JavaScript", "Hotplug.Scripting")]
    [InlineData("Hotplug.Scripting.CSharp", "Hotplug.Assembly")]
    public void ScriptRuntime_BuildsOnItsBase_NotTheHostCore(string runtime, string basis)
    {
        Assert.Contains(basis, References[runtime]);
        Assert.DoesNotContain("Hotplug", References[runtime]);
        Assert.DoesNotContain(References["Hotplug"], r => r == runtime);
        Assert.DoesNotContain(References["Hotplug.Scripting"], r => r == runtime);
    }

    [Fact]
    public void ProcessRuntime_ReferencedOnlyByItsTestsAndApplications()
    {
        var referrers = References.Where(p => p.Value.Contains("Hotplug.Process")).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

        // The CLI's host, the demo, the benchmarks and the runtime's own tests, which run process plugins; the build's
        // packer, which reads a process plugin's entry as the runtime does.
        Assert.Equal(["Hotplug.Benchmarks", "Hotplug.Build", "Hotplug.Cli", "Hotplug.Cli.Tests", "Hotplug.Process.Tests", "Hotplug.Samples.Tests", "RankingService"], referrers);
    }

    /// <summary>A bus member is any .NET process: its SDK builds on the contracts' wire codec, never on the host.</summary>
    [Fact]
    public void BusMemberSdk_BuildsOnTheWireCodec_NotTheHostOrTheRuntimePackage()
    {
        Assert.Equal(["Hotplug.Wire"], References["Hotplug.Bus.Member"]);
        Assert.DoesNotContain(References["Hotplug"], r => r.StartsWith("Hotplug.Bus", StringComparison.Ordinal));
    }

    [Fact]
    public void AssemblyRuntime_ReferencedOnlyByTheCoreThatRegistersItByDefault_AndTheRuntimeThatLoadsCompiledSource()
    {
        var referrers = References.Where(p => p.Value.Contains("Hotplug.Assembly")).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["Hotplug", "Hotplug.Scripting.CSharp"], referrers);
    }

    [Fact]
    public void CoreTests_DoNotReferenceAnyRuntimePackage()
    {
        Assert.DoesNotContain("Hotplug.Process", References["Hotplug.Tests"]);
        Assert.DoesNotContain("Hotplug.Assembly", References["Hotplug.Tests"]);
    }
}
