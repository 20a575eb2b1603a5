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
