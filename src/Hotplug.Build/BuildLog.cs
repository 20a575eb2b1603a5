namespace Hotplug.Build;

/// <summary>Messages in MSBuild's canonical format, which the <c>Exec</c> task turns into build errors and warnings.</summary>
/// <remarks>See MSBuild's CanonicalError: <c>origin: error CODE: text</c>.</remarks>
internal static class BuildLog
{
    public static void Error(string origin, string code, string message) =>
        Console.Out.WriteLine($"{origin}: error {code}: {OneLine(message)}");

    // A line break would end the canonical message: the rest would show as plain output.
    private static string OneLine(string message) => message.ReplaceLineEndings(" ");
}

/// <summary>The codes the MSBuild integration reports besides the host's own (<c>HP10xx</c>, <c>HP11xx</c>).</summary>
internal static class BuildErrors
{
    /// <summary>The package could not be written: an I/O error, an unreadable key, a bad command line.</summary>
    public const string Failed = "HP1302";
}
