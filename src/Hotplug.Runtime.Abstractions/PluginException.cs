namespace Hotplug;

/// <summary>The base of every error Hotplug raises about a plugin.</summary>
public class PluginException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and, where possible, what to do.</param>
    /// <param name="pluginId">The plugin concerned, when there is one.</param>
    /// <param name="version">The plugin version concerned, when known.</param>
    /// <param name="innerException">The cause.</param>
    public PluginException(string message, string? pluginId = null, string? version = null, Exception? innerException = null)
        : base(message, innerException)
    {
        PluginId = pluginId;
        Version = version;
    }

    /// <summary>Gets the plugin id, when the error concerns one plugin.</summary>
    public string? PluginId { get; }

    /// <summary>Gets the plugin version, when known.</summary>
    public string? Version { get; }
}

/// <summary>A plugin threw from a call. <see cref="Exception.InnerException"/> is what it threw.</summary>
public sealed class PluginInvocationException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The plugin version that threw.</param>
    /// <param name="method">The contract method called.</param>
    /// <param name="innerException">What the plugin threw.</param>
    public PluginInvocationException(string pluginId, string version, string method, Exception innerException)
        : base($"Plugin '{pluginId}' {version} threw {innerException.GetType().Name} from {method}: {innerException.Message}", pluginId, version, innerException)
    {
        Method = method;
    }

    /// <summary>Gets the contract method that was called.</summary>
    public string Method { get; }
}

/// <summary>A call outlived the plugin's call timeout. The caller is released; the plugin's work may still be running.</summary>
public sealed class PluginTimeoutException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The plugin version.</param>
    /// <param name="method">The contract method called.</param>
    /// <param name="timeout">The call timeout that expired.</param>
    public PluginTimeoutException(string pluginId, string version, string method, TimeSpan timeout)
        : base($"Plugin '{pluginId}' {version} did not complete {method} within its call timeout of {timeout.TotalMilliseconds:0} ms.", pluginId, version)
    {
        Method = method;
        Timeout = timeout;
    }

    /// <summary>Gets the contract method that was called.</summary>
    public string Method { get; }

    /// <summary>Gets the call timeout that expired.</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>No version of the plugin is active, or the active version does not provide the contract.</summary>
public sealed class PluginUnavailableException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why the plugin cannot be called.</param>
    /// <param name="pluginId">The plugin id.</param>
    public PluginUnavailableException(string message, string pluginId)
        : base(message, pluginId)
    {
    }
}

/// <summary>A call by name named no method of the plugin's contracts, or its arguments did not bind.</summary>
public sealed class PluginInvocationArgumentException : PluginException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What did not match.</param>
    /// <param name="pluginId">The plugin id.</param>
    /// <param name="version">The plugin version.</param>
    public PluginInvocationArgumentException(string message, string pluginId, string? version)
        : base(message, pluginId, version)
    {
    }
}

/// <summary>
/// A manifest is invalid. The message starts with <see cref="Code"/> and names the file and the field.
/// </summary>
public sealed class PluginManifestException : PluginException
{
    /// <summary>Creates the exception with the general code <see cref="Manifest.ManifestErrors.Invalid"/>.</summary>
    /// <param name="path">The manifest file.</param>
    /// <param name="field">The offending field (JSON path), or <see langword="null"/> for the whole file.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="pluginId">The plugin id, when it could be read.</param>
    /// <remarks>
    /// A runtime that checks its own <c>entry</c> may use this constructor: the host reports what it throws from
    /// <c>IPluginRuntime.ReadEntry</c> as <see cref="Manifest.ManifestErrors.BadEntry"/>.
    /// </remarks>
    public PluginManifestException(string path, string? field, string message, string? pluginId = null)
        : this(Manifest.ManifestErrors.Invalid, path, field, message, pluginId)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="code">The error code, one of <see cref="Manifest.ManifestErrors"/> (<c>HP11xx</c>).</param>
    /// <param name="path">The manifest file.</param>
    /// <param name="field">The offending field (JSON path), or <see langword="null"/> for the whole file.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="pluginId">The plugin id, when it could be read.</param>
    public PluginManifestException(string code, string path, string? field, string message, string? pluginId)
        : base(field is null ? $"{code}: {path}: {message}" : $"{code}: {path}: field '{field}': {message}", pluginId)
    {
        Code = code;
        Path = path;
        Field = field;
        Reason = message;
    }

    /// <summary>Gets the error code, such as <c>HP1111</c>: one of <see cref="Manifest.ManifestErrors"/>.</summary>
    public string Code { get; }

    /// <summary>Gets what is wrong, without the code, the file and the field.</summary>
    public string Reason { get; }

    /// <summary>Gets the manifest file.</summary>
    public string Path { get; }

    /// <summary>Gets the offending field, or <see langword="null"/>.</summary>
    public string? Field { get; }
}
