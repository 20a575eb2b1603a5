using Hotplug.Runtimes;

namespace Hotplug.Scripting;

/// <summary>What a script version's invokers share: its pool, its call timeout, and how engine failures reach callers.</summary>
internal sealed class ScriptVersionCore(PluginVersionContext context, string runtime, EnginePool pool, TimeSpan timeout)
{
    public EnginePool Pool { get; } = pool;

    public TimeSpan Timeout { get; } = timeout;

    public string PluginId => context.PluginId;

    public string Version => context.Version;

    /// <summary>Ends a call on an engine and gives it back; an engine the call left unusable is discarded.</summary>
    public void Return(EngineWorker worker)
    {
        worker.End();
        Pool.Return(worker);
    }

    /// <summary>
    /// What a caller sees of an engine's failure: its own cancellation as is; the deadline as
    /// <see cref="PluginTimeoutException"/>; a broken limit as <see cref="PluginCrashedException"/> (its engine is
    /// discarded); the script's own error as is, which the host reports as the plugin's failure.
    /// </summary>
    /// <returns>The exception to throw instead, or <see langword="null"/> to let <paramref name="exception"/> go.</returns>
    public Exception? Translate(Exception exception, ScriptOperation operation, EngineWorker worker, CancellationToken callerToken)
    {
        if (callerToken.IsCancellationRequested && exception is OperationCanceledException)
        {
            return null;
        }

        if ((exception is OperationCanceledException || exception is ScriptLimitException { Limit: ScriptLimit.Timeout }) && worker.DeadlinePassed)
        {
            return new PluginTimeoutException(context.PluginId, context.Version, operation.Function, Timeout);
        }

        return exception is ScriptLimitException limit
            ? new PluginCrashedException($"{runtime} plugin '{context.PluginId}' {context.Version}: {limit.Message} Its engine was discarded.", context.PluginId, context.Version, limit)
            : null;
    }
}
