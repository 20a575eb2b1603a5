using System.Runtime.InteropServices;
using Hotplug.TestContracts;

namespace Hotplug.TestPlugins.Native;

/// <summary>A test plugin that calls into a native library it brings (SQLite), to prove native resolution.</summary>
public sealed partial class NativePlugin : PluginBase, IOther
{
    public ValueTask<string> WhoAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult($"sqlite {Marshal.PtrToStringUTF8(LibVersion())}");

    [LibraryImport("e_sqlite3", EntryPoint = "sqlite3_libversion")]
    private static partial IntPtr LibVersion();
}
