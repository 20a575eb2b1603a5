namespace Hotplug.Scripting.CSharp.Tests;

/// <summary>The C# source plugins of these tests (PluginSources/ beside the tests, never compiled into them).</summary>
internal static class PluginSources
{
    /// <summary>Gets the folder they are copied to.</summary>
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "PluginSources");

    /// <summary>Copies one plugin's sources into <paramref name="folder"/>.</summary>
    public static void Copy(string name, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, name)))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }
    }
}
