namespace Hotplug.Scripting.JavaScript.Tests;

/// <summary>The test plugins' scripts, copied beside the tests.</summary>
internal static class Scripts
{
    public static string Probe => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "plugins", "probe.js"));
}
