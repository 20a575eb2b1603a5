using System.Globalization;
using Hotplug.Packaging;

namespace Hotplug.Store;

/// <summary>
/// The exclusive lock a host holds on its state folder for its lifetime: <c>&lt;state&gt;/host.lock</c>, open
/// with <see cref="FileShare.None"/> (on Unix, an advisory <c>flock</c>, which the kernel releases when the
/// holder exits, killed or not). A second host on the same folder fails to start instead of running beside the
/// first and sharing its store, its bookkeeping and its <c>admin.json</c>.
/// </summary>
/// <remarks>
/// The holder's process id is written to <c>host.pid</c> beside it, for the second host's error: the lock file
/// itself cannot be read while it is locked. The lock file is never deleted: deleting it would let a third host
/// lock a new file while the second still holds the old one.
/// </remarks>
internal sealed class StateFolderLock : IDisposable
{
    /// <summary>The lock file's name, in the state folder.</summary>
    public const string FileName = "host.lock";

    /// <summary>The name of the file with the holder's process id.</summary>
    public const string PidFileName = "host.pid";

    private readonly FileStream _stream;
    private readonly string _pidPath;

    private StateFolderLock(FileStream stream, string pidPath)
    {
        _stream = stream;
        _pidPath = pidPath;
    }

    /// <summary>Takes the state folder's lock.</summary>
    /// <param name="statePath">The state folder (full path); created if missing.</param>
    /// <returns>The lock, held until disposed.</returns>
    /// <exception cref="PluginException"><see cref="PackageErrors.StateFolderInUse"/>: another host holds it.</exception>
    public static StateFolderLock Acquire(string statePath)
    {
        Directory.CreateDirectory(statePath);
        var path = Path.Combine(statePath, FileName);
        var pidPath = Path.Combine(statePath, PidFileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            var holder = TryReadPid(pidPath) is { } pid ? $"another Hotplug host (pid {pid})" : "another Hotplug host";
            throw new PluginException(
                $"{PackageErrors.StateFolderInUse}: {holder} is running with the state folder {statePath}: it holds {path} ({ex.Message}). " +
                "Two hosts must not share a state folder (its store, versions.json and admin.json): stop that host first, or give this one a state folder of its own (HotplugOptions.StatePath, `hotplug run --state`).",
                innerException: ex);
        }

        try
        {
            File.WriteAllText(pidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Only a second host's error message reads it.
        }

        return new StateFolderLock(stream, pidPath);
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose()
    {
        if (TryReadPid(_pidPath) == Environment.ProcessId)
        {
            try
            {
                File.Delete(_pidPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A stale pid file is harmless: it is read only while someone holds the lock, who rewrote it.
            }
        }

        _stream.Dispose();
    }

    private static int? TryReadPid(string pidPath)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
