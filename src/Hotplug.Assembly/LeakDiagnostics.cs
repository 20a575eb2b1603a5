using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;

namespace Hotplug.Loading;

/// <summary>What the host can tell about a plugin load context that outlived its unload.</summary>
internal static class LeakDiagnostics
{
    /// <summary>
    /// Says what the host can tell about why a load context outlived its unload: which static fields of shared
    /// assemblies still hold one of its objects, and which of its assemblies are still loaded.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static string Describe(WeakReference weak)
    {
        if (weak.Target is not PluginLoadContext context)
        {
            return "the load context was collected after all.";
        }

        var builder = new StringBuilder();
        var holders = FindStaticHolders(context).Take(5).ToList();
        if (holders.Count > 0)
        {
            builder.Append("held by static field ").Append(string.Join(", ", holders)).Append("; ");
        }

        var assemblies = context.Assemblies.Select(a => a.GetName().Name).ToList();
        builder.Append("still loaded: ").Append(assemblies.Count == 0 ? "no assemblies" : string.Join(", ", assemblies)).Append(". ");
        builder.Append("Something outside the plugin still references its objects or types: a static field or event of the host or of a shared assembly, a thread or timer the plugin started and did not stop, or a cache holding its delegates.");
        return builder.ToString();
    }

    private static IEnumerable<string> FindStaticHolders(PluginLoadContext context)
    {
        // The application's own assemblies, shared contract assemblies among them: where a plugin can root itself.
        foreach (var assembly in SharedAssemblyPolicy.LoadedApplicationAssemblies)
        {
            Type[] types;
            try
            {
                types = assembly.GetTypes();
            }
            catch (ReflectionTypeLoadException ex)
            {
                types = [.. ex.Types.OfType<Type>()];
            }

            foreach (var type in types.Where(t => !t.ContainsGenericParameters))
            {
                foreach (var field in type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    bool holds;
                    try
                    {
                        holds = HoldsObjectOf(field.GetValue(null), context);
                    }
                    catch (Exception)
                    {
                        // A diagnostic: a field that cannot be read or enumerated is simply not reported.
                        continue;
                    }

                    if (holds)
                    {
                        yield return $"{type.FullName}.{field.Name}";
                    }
                }
            }
        }
    }

    private static bool HoldsObjectOf(object? value, PluginLoadContext context)
    {
        if (value is null)
        {
            return false;
        }

        if (BelongsTo(value, context))
        {
            return true;
        }

        if (value is Delegate del)
        {
            return del.GetInvocationList().Any(d => d.Target is { } t && BelongsTo(t, context) || d.Method.DeclaringType?.Assembly is { } a && AssemblyLoadContextOf(a) == context);
        }

        if (value is System.Collections.IEnumerable items and not string)
        {
            var count = 0;
            foreach (var item in items)
            {
                if (item is not null && BelongsTo(item, context))
                {
                    return true;
                }

                if (++count > 10_000)
                {
                    break;
                }
            }
        }

        return false;
    }

    private static bool BelongsTo(object value, PluginLoadContext context) =>
        AssemblyLoadContextOf(value.GetType().Assembly) == context;

    private static AssemblyLoadContext? AssemblyLoadContextOf(Assembly assembly) =>
        AssemblyLoadContext.GetLoadContext(assembly);
}
