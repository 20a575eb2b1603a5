namespace Hotplug.Packaging.Tests;

/// <summary>
/// docs/getting-started.md, followed as a newcomer follows it: in an empty folder outside the repository, with
/// only the packed feed, every command run in order and every code block the one that is built. When the guide and
/// the product drift apart, this fails at the step that no longer works.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class GuideTests(PackedFeed feed) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(feed.Root, "guide");
    private BackgroundCommand? _server;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task GettingStarted_FollowedInAnEmptyFolder_EveryStepWorks()
    {
        var steps = Guide.Read(Path.Combine(PackedFeed.RepoRoot, "docs", "getting-started.md"));
        var environment = new Dictionary<string, string?>(feed.Environment) { ["HOTPLUG_FEED"] = feed.Feed };
        var last = string.Empty;
        foreach (var step in steps)
        {
            switch (step.Action)
            {
                case GuideAction.Run:
                    last = await RunAsync(step, environment);
                    break;
                case GuideAction.Start:
                    Start(step, environment);
                    last = await BackgroundPrintsAsync(step, 0);
                    break;
                case GuideAction.Wait:
                    var from = Background().Length;
                    await RunAsync(step, environment);
                    last = await BackgroundPrintsAsync(step, from);
                    break;
                case GuideAction.File:
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_folder, step.Text!))!);
                    await File.WriteAllTextAsync(Path.Combine(_folder, step.Text!), step.Code + "\n");
                    break;
                case GuideAction.Generated:
                    var generated = Path.Combine(_folder, step.Text!);
                    Assert.True(File.Exists(generated), $"{step}: the guide shows {step.Text}, which was not generated.");
                    Assert.Equal(Normalize(step.Code), Normalize(await File.ReadAllTextAsync(generated)));
                    break;
                case GuideAction.Output:
                    foreach (var line in step.Code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
                    {
                        Assert.True(last.Contains(line, StringComparison.Ordinal), $"{step}: the guide shows '{line}', which the command before did not print:\n{last}");
                    }

                    break;
                case GuideAction.Skip:
                    break;
            }
        }

        Assert.Contains(steps, s => s.Action == GuideAction.Start);
        Assert.Contains(steps, s => s.Action == GuideAction.Generated);
    }

    public async Task DisposeAsync()
    {
        if (_server is { } server)
        {
            await server.DisposeAsync();
        }
    }

    private static string Normalize(string text) => string.Join('\n', text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.TrimEnd())).Trim('\n');

    private async Task<string> RunAsync(GuideStep step, IReadOnlyDictionary<string, string?> environment)
    {
        var (exitCode, output) = await DotnetRun.RunAsync("bash", ["-euo", "pipefail", "-c", step.Code], _folder, environment);
        Assert.True(exitCode == 0, $"{step}: failed:\n{output}");
        return output;
    }

    private void Start(GuideStep step, IReadOnlyDictionary<string, string?> environment)
    {
        Assert.Null(_server);
        _server = BackgroundCommand.Start("bash", ["-euo", "pipefail", "-c", "exec " + step.Code.Trim()], _folder, environment);
    }

    private string Background() => _server?.Output ?? string.Empty;

    private Task<string> BackgroundPrintsAsync(GuideStep step, int from)
    {
        Assert.NotNull(_server);
        return _server.WaitForAsync(step.Text!, from, step.ToString());
    }
}
