using System.Globalization;
using System.Text;

namespace Hotplug.Cli;

/// <summary>
/// Makes text from plugins and their files safe to write on one line of a log or a terminal: a file name,
/// a manifest value or a plugin's message could otherwise carry a line break (and forge a log line of its own)
/// or an escape sequence (and rewrite the terminal).
/// </summary>
internal static class LogText
{
    /// <summary>Escapes every control character: <c>\n</c>, <c>\r</c>, <c>\t</c>, and others as <c>\u001b</c>.</summary>
    public static string Escape(string text) => Escape(text, keepLineFeeds: false);

    /// <summary>
    /// Escapes a multi-line text such as an exception and its stack trace: its line feeds are kept, each line after
    /// the first indented, so that no line of it can pass for a log line of its own.
    /// </summary>
    public static string EscapeBlock(string text) => Escape(text, keepLineFeeds: true);

    private static string Escape(string text, bool keepLineFeeds)
    {
        if (!NeedsEscaping(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' when keepLineFeeds => builder.Append("\n    "),
                '\n' => builder.Append("\\n"),
                '\r' => builder.Append("\\r"),
                '\t' => builder.Append("\\t"),
                _ when char.IsControl(c) || c is '\u2028' or '\u2029' => builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => builder.Append(c),
            };
        }

        return builder.ToString();
    }

    private static bool NeedsEscaping(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                return true;
            }
        }

        return false;
    }
}
