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

    [Fact]
    public void ProcessRuntime_ReferencedOnlyByItsTestsAndApplications()
    {
        var referrers = References.Where(p => p.Value.Contains("Hotplug.Process")).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();

        // The CLI's host, the demo, the benchmarks and the runtime's own tests, which run process plugins; the build's
        // packer, which reads a process plugin's entry as the runtime does.
        Assert.Equal(["Hotplug.Benchmarks", "Hotplug.Build", "Hotplug.Cli", "Hotplug.Cli.Tests", "Hotplug.Process.Tests", "Hotplug.Samples.Tests", "RankingService"], referrers);
    }

    [Fact]
    public void AssemblyRuntime_ReferencedOnlyByTheCoreThatRegistersItByDefault()
    {
        var referrers = References.Where(p => p.Value.Contains("Hotplug.Assembly")).Select(p => p.Key).ToList();

        Assert.Equal(["Hotplug"], referrers);
    }

    [Fact]
    public void CoreTests_DoNotReferenceAnyRuntimePackage()
    {
        Assert.DoesNotContain("Hotplug.Process", References["Hotplug.Tests"]);
        Assert.DoesNotContain("Hotplug.Assembly", References["Hotplug.Tests"]);
    }
}
