namespace Hotplug.Admin;

/// <summary>Settings of the admin API.</summary>
public sealed class HotplugAdminOptions
{
    /// <summary>The default port.</summary>
    public const int DefaultPort = 7311;

    /// <summary>Gets or sets the port the admin API listens on, on 127.0.0.1 only.</summary>
    /// <value>Defaults to 7311. 0 picks a free port; the port chosen is written to <c>admin.json</c>.</value>
    public int Port { get; set; } = DefaultPort;

    /// <summary>Gets or sets the folder <c>admin.json</c> (URL and token) is written to.</summary>
    /// <value>Defaults to the host's <see cref="HotplugOptions.StatePath"/>.</value>
    public string? StatePath { get; set; }

    internal void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new PluginException($"Invalid Hotplug admin options: {nameof(Port)} must be 0-65535; it is {Port}.");
        }
    }
}
