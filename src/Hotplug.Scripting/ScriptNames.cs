using Hotplug.Contracts;

namespace Hotplug.Scripting;

/// <summary>
/// The naming rule between contracts and scripts: an operation's function, a message's fields and a host service
/// are named in lower camel case — <c>RankAsync</c> is <c>rank</c>, <c>GetUserScores</c> is <c>getUserScores</c>,
/// the field <c>UserId</c> is <c>userId</c>, and the service <c>ICounterService</c> is <c>counterService</c>.
/// </summary>
public static class ScriptNames
{
    /// <summary>Returns the function a script defines for <paramref name="operation"/>: its name in lower camel case.</summary>
    /// <param name="operation">The operation (its name is already without <c>Async</c>).</param>
    /// <returns>The function's name, such as <c>rank</c>.</returns>
    public static string Function(OperationDescriptor operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return LowerCamel(operation.Name);
    }

    /// <summary>Returns the name a script reaches a host service by: the interface's name without its leading <c>I</c>, in lower camel case.</summary>
    /// <param name="serviceType">The exported service interface.</param>
    /// <returns>The name, such as <c>counterService</c> for <c>ICounterService</c>.</returns>
    public static string Service(Type serviceType)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        var name = serviceType.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        if (serviceType.IsInterface && name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name[1..];
        }

        return LowerCamel(name);
    }

    /// <summary>Returns a method's name as a script calls it: without <c>Async</c>, in lower camel case.</summary>
    /// <param name="methodName">The CLR method name, such as <c>IncrementAsync</c>.</param>
    /// <returns>The name, such as <c>increment</c>.</returns>
    public static string Method(string methodName)
    {
        ArgumentException.ThrowIfNullOrEmpty(methodName);
        var name = methodName.EndsWith("Async", StringComparison.Ordinal) && methodName.Length > 5 ? methodName[..^5] : methodName;
        return LowerCamel(name);
    }

    /// <summary>Returns <paramref name="name"/> in lower camel case, as System.Text.Json's camel case policy writes it.</summary>
    /// <param name="name">A CLR name.</param>
    /// <returns>The name in lower camel case: <c>UserId</c> is <c>userId</c>, <c>URL</c> is <c>url</c>.</returns>
    public static string LowerCamel(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);
}
