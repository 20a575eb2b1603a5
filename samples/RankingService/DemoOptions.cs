using System.Globalization;

namespace RankingService;

/// <summary>
/// The demo's command line: <c>[--plugins DIR] [--state DIR] [--upgrade-after S] [--edit-after S] [--exit-after S] [--admin-port P]</c>.
/// Everything the demo makes lives under <c>.ranking-demo/</c> in the current folder (ignored by git) unless
/// given elsewhere.
/// </summary>
internal sealed record DemoOptions(string PluginsPath, string StatePath, TimeSpan? UpgradeAfter, TimeSpan? EditAfter, TimeSpan? ExitAfter, int AdminPort)
{
    /// <summary>Gets the demo's own folder, which holds its development key: the folder above the plugins folder.</summary>
    public string Root => Path.GetDirectoryName(PluginsPath)!;

    public static DemoOptions Parse(string[] args)
    {
        var root = Path.GetFullPath(".ranking-demo");
        string plugins = Path.Combine(root, "plugins"), state = Path.Combine(root, "state");
        TimeSpan? upgradeAfter = null, editAfter = null, exitAfter = null;
        var port = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--plugins": plugins = Path.GetFullPath(value); break;
                case "--state": state = Path.GetFullPath(value); break;
                case "--upgrade-after": upgradeAfter = Seconds(args[i], value); break;
                case "--edit-after": editAfter = Seconds(args[i], value); break;
                case "--exit-after": exitAfter = Seconds(args[i], value); break;
                case "--admin-port": port = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Options: --plugins DIR, --state DIR, --upgrade-after SECONDS, --edit-after SECONDS, --exit-after SECONDS, --admin-port PORT.");
            }

            i++;
        }

        return new DemoOptions(plugins, state, upgradeAfter, editAfter, exitAfter, port);
    }

    private static TimeSpan Seconds(string option, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{option} takes a number of seconds, not '{value}'.");
}
