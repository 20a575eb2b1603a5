using System.Text.RegularExpressions;

namespace Hotplug.Packaging.Tests;

/// <summary>What a step of a guide asks the reader to do with its code block.</summary>
internal enum GuideAction
{
    /// <summary>Run the <c>sh</c> block, each line in order; a failing line fails the step.</summary>
    Run,

    /// <summary>Nothing: the block is for the reader only (the test does it its own way).</summary>
    Skip,

    /// <summary>Start the <c>sh</c> block in the background and wait until it prints <see cref="GuideStep.Text"/>.</summary>
    Start,

    /// <summary>Run the <c>sh</c> block, then wait until the background command prints <see cref="GuideStep.Text"/>.</summary>
    Wait,

    /// <summary>Write the block to the file <see cref="GuideStep.Text"/>.</summary>
    File,

    /// <summary>Check that the file <see cref="GuideStep.Text"/>, as the templates generated it, is the block.</summary>
    Generated,

    /// <summary>Check that the command before printed every line of the block.</summary>
    Output,
}

/// <summary>One code block of a guide and what to do with it.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Text">The file, or the line to wait for.</param>
/// <param name="Language">The block's language (<c>sh</c>, <c>csharp</c>, ...).</param>
/// <param name="Code">The block's text.</param>
/// <param name="Line">Its line in the guide, for messages.</param>
internal sealed record GuideStep(GuideAction Action, string? Text, string Language, string Code, int Line)
{
    public override string ToString() => $"line {Line}: {Action} {Text}".TrimEnd();
}

/// <summary>
/// Reads a Markdown guide into steps: each fenced code block, with the <c>&lt;!-- guide: ... --&gt;</c> comment
/// before it saying what to do (an <c>sh</c> block without one is run). A code block that is neither run, written,
/// checked nor skipped is an error: every block the reader sees must be one the test holds to account.
/// </summary>
internal static partial class Guide
{
    public static IReadOnlyList<GuideStep> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var steps = new List<GuideStep>();
        string? directive = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (DirectivePattern().Match(line) is { Success: true } match)
            {
                directive = match.Groups[1].Value.Trim();
                continue;
            }

            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                if (line.Trim().Length > 0)
                {
                    directive = null;
                }

                continue;
            }

            var language = line[3..].Trim();
            var start = i + 1;
            var end = start;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal))
            {
                end++;
            }

            var code = string.Join('\n', lines[start..end]);
            steps.Add(Step(directive, language, code, i + 1, path));
            directive = null;
            i = end;
        }

        return steps;
    }

    private static GuideStep Step(string? directive, string language, string code, int line, string path)
    {
        if (directive is null)
        {
            return language == "sh"
                ? new GuideStep(GuideAction.Run, null, language, code, line)
                : throw new InvalidOperationException($"{path}:{line}: a {language} block with no 'guide:' comment before it: say which file it is (guide: file/generated), or that it is output (guide: output).");
        }

        var (verb, argument) = directive.IndexOf(' ', StringComparison.Ordinal) is var space and > 0
            ? (directive[..space], directive[(space + 1)..].Trim())
            : (directive, null);
        var action = verb switch
        {
            "skip" => GuideAction.Skip,
            "start" => GuideAction.Start,
            "wait" => GuideAction.Wait,
            "file" => GuideAction.File,
            "generated" => GuideAction.Generated,
            "output" => GuideAction.Output,
            _ => throw new InvalidOperationException($"{path}:{line}: unknown guide step '{verb}'."),
        };
        if (action is GuideAction.Start or GuideAction.Wait)
        {
            argument = argument?.Trim('"');
        }

        if (action is GuideAction.Start or GuideAction.Wait or GuideAction.File or GuideAction.Generated && string.IsNullOrEmpty(argument))
        {
            throw new InvalidOperationException($"{path}:{line}: 'guide: {verb}' needs {(action is GuideAction.File or GuideAction.Generated ? "a file" : "the line to wait for")}.");
        }

        return new GuideStep(action, action == GuideAction.Skip ? null : argument, language, code, line);
    }

    [GeneratedRegex(@"^<!--\s*guide:\s*(.*?)\s*-->\s*$")]
    private static partial Regex DirectivePattern();
}
