using System.Reflection;
using System.Reflection.Metadata;

namespace Hotplug.Loading;

/// <summary>
/// Asks the libraries of the process to drop what they cached about types, so an unloaded plugin's types
/// are not kept alive by a framework cache.
/// </summary>
/// <remarks>
/// Some framework caches hold types strongly: System.Text.Json, for one, keeps the member accessors it
/// emitted for a type in a static cache (dotnet/runtime#65323), so a plugin whose types were serialized by
/// the host cannot be collected until that cache is cleared. The libraries that have such caches declare a
/// hot-reload handler, <see cref="MetadataUpdateHandlerAttribute"/>, whose static <c>ClearCache(Type[]?)</c>
/// method drops them; this is what hot reload calls after it changes code. The host calls the same
/// handlers when an unloaded context outlives its first collections.
/// </remarks>
internal static class MetadataCaches
{
    public static int Clear()
    {
        var cleared = 0;
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsCollectible && !a.IsDynamic))
        {
            IEnumerable<MetadataUpdateHandlerAttribute> handlers;
            try
            {
                handlers = assembly.GetCustomAttributes<MetadataUpdateHandlerAttribute>();
            }
            catch (Exception ex) when (ex is TypeLoadException or FileNotFoundException or CustomAttributeFormatException)
            {
                continue;
            }

            foreach (var handler in handlers)
            {
                var clearCache = handler.HandlerType.GetMethod(
                    "ClearCache",
                    BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic,
                    [typeof(Type[])]);
                if (clearCache is null)
                {
                    continue;
                }

                try
                {
                    clearCache.Invoke(null, [null]);
                    cleared++;
                }
                catch (TargetInvocationException)
                {
                    // A handler that fails to clear leaves its cache as it was; the leak check reports what remains.
                }
            }
        }

        return cleared;
    }
}
