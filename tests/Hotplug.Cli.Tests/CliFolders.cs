using Hotplug.Tests.Infrastructure;

namespace Hotplug.Cli.Tests;

/// <summary>A temporary folder of a test's own, with the layout <c>hotplug run</c> is pointed at; deleted after the test.</summary>
public abstract class CliFolders : IDisposable
{
    /// <summary>Gets the test's own temporary folder.</summary>
    protected string Root { get; } = Path.Combine(Path.GetTempPath(), "hotplug-cli-tests", Guid.NewGuid().ToString("N")[..10]);

    /// <summary>Gets the plugins folder under <see cref="Root"/>.</summary>
    protected string Plugins => Path.Combine(Root, "plugins");

    /// <summary>Gets the state folder under <see cref="Root"/>.</summary>
    protected string State => Path.Combine(Root, "state");

    /// <summary>Gets the publisher key's path (without extension) under <see cref="Root"/>.</summary>
    protected string Key => Path.Combine(Root, "keys", "publisher");

    /// <summary>
    /// Builds and signs the echo plugin's package in a build folder, then copies it over the plugin's folder. The CLI
    /// host has no contract assemblies of its own, so the plugin ships its contract.
    /// </summary>
    protected async Task InstallEchoAsync(string version)
    {
        var build = Path.Combine(Root, "build", "echo-" + version);
        TestPlugins.CopyBuild(TestPlugins.Echo, build);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "TestContracts.dll"), Path.Combine(build, "TestContracts.dll"), overwrite: true);
        TestPlugins.WriteManifest(build, TestPlugins.Manifest("echo", version));
        var pack = await CliProcess.RunAsync("pack", build, "--out", build + ".zip", "--key", Key + ".key");
        Assert.True(pack.ExitCode == 0, pack.Error);
        var target = Path.Combine(Plugins, "echo");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(build))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }
}
