using System.Text.Json;
using Hotplug.Runtimes;

namespace Hotplug.Scripting;

/// <summary>
/// A runtime whose plugins are scripts of one language (<see cref="IScriptLanguage"/>): each version's source is
/// compiled once and run by a pool of engines (<see cref="ScriptEntry"/>). A language package derives one sealed
/// class from it and registers it with <c>AddRuntime&lt;T&gt;()</c>.
/// </summary>
public abstract class ScriptRuntime : IPluginRuntime
{
    private readonly IScriptLanguage _language;

    /// <summary>Creates the runtime over a language.</summary>
    /// <param name="language">The language.</param>
    protected ScriptRuntime(IScriptLanguage language)
    {
        ArgumentNullException.ThrowIfNull(language);
        _language = language;
    }

    /// <inheritdoc />
    public string Name => _language.Name;

    /// <inheritdoc />
    public Task InitializeAsync(PluginRuntimeContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public IReadOnlyList<string> ReadEntry(JsonElement entry) => [ScriptEntry.Read(entry).Script];

    /// <inheritdoc />
    public IPluginVersion Create(PluginVersionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ScriptPluginVersion(context, _language, ScriptEntry.Read(context.Entry));
    }
}
