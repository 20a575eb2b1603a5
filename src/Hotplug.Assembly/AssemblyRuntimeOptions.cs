namespace Hotplug;

/// <summary>Settings of the <c>assembly</c> runtime, which runs plugins in collectible load contexts in the host's process.</summary>
public sealed class AssemblyRuntimeOptions
{
    /// <summary>
    /// Gets the names of extra assemblies that plugins share with the host (one type identity), beyond
    /// <c>Hotplug.Abstractions</c> and the host's contract assemblies, which are always shared.
    /// </summary>
    /// <value>Empty by default. Names are simple assembly names, such as <c>Acme.Telemetry</c>.</value>
    public IList<string> SharedAssemblies { get; } = [];

    /// <summary>Checks the settings.</summary>
    /// <returns>What is wrong, one sentence each; empty when nothing is.</returns>
    internal List<string> Validate()
    {
        var errors = new List<string>();
        for (var i = 0; i < SharedAssemblies.Count; i++)
        {
            var name = SharedAssemblies[i];
            if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\', ',']) >= 0 || name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{nameof(SharedAssemblies)}[{i}] must be a simple assembly name such as 'Acme.Telemetry' (no path, version or '.dll'); it is '{name}'.");
            }
        }

        return errors;
    }
}
