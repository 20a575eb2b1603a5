using System.Reflection;
using Hotplug.Scripting.Messages;

namespace Hotplug.Scripting;

/// <summary>A host service exported to plugins, as scripts call it: <c>services.counterService.increment()</c>.</summary>
public sealed class ScriptService
{
    private readonly IServiceProvider _services;
    private object? _instance;

    private ScriptService(Type type, IServiceProvider services)
    {
        Type = type;
        Name = ScriptNames.Service(type);
        _services = services;
        var methods = new List<ScriptServiceMethod>();
        foreach (var group in type.GetMethods().Concat(type.GetInterfaces().SelectMany(i => i.GetMethods())).Where(m => !m.IsSpecialName && !m.IsGenericMethodDefinition).GroupBy(m => ScriptNames.Method(m.Name)))
        {
            // One method per name: an overloaded name is offered with its fewest parameters.
            methods.Add(new ScriptServiceMethod(this, group.OrderBy(m => m.GetParameters().Length).First()));
        }

        Methods = methods;
    }

    /// <summary>Gets the service interface.</summary>
    public Type Type { get; }

    /// <summary>Gets the name scripts use (<see cref="ScriptNames.Service"/>).</summary>
    public string Name { get; }

    /// <summary>Gets the methods scripts may call, by <see cref="ScriptServiceMethod.Name"/>.</summary>
    public IReadOnlyList<ScriptServiceMethod> Methods { get; }

    /// <summary>Describes the services a host exports.</summary>
    /// <param name="types">The exported service types.</param>
    /// <param name="services">What resolves them.</param>
    /// <returns>One per type whose methods a script can call.</returns>
    public static IReadOnlyList<ScriptService> From(IEnumerable<Type> types, IServiceProvider services) =>
        [.. types.Where(t => t.IsInterface).Select(t => new ScriptService(t, services))];

    internal object Instance => _instance ??= _services.GetService(Type) ?? throw new InvalidOperationException($"The host exports {Type.FullName} but cannot provide it.");
}

/// <summary>One method of a host service, as a script calls it: values in by the message rules, one result back.</summary>
public sealed class ScriptServiceMethod
{
    private readonly ScriptService _service;
    private readonly MethodInvoker _invoker;
    private readonly int _tokenIndex;
    private readonly int _count;
    private readonly Func<object, object?>? _awaitedResult;

    internal ScriptServiceMethod(ScriptService service, MethodInfo method)
    {
        _service = service;
        Method = method;
        Name = ScriptNames.Method(method.Name);
        _invoker = MethodInvoker.Create(method);
        var parameters = method.GetParameters();
        _count = parameters.Length;
        _tokenIndex = Array.FindIndex(parameters, p => p.ParameterType == typeof(CancellationToken));
        Parameters = [.. parameters.Where(p => p.ParameterType != typeof(CancellationToken)).Select(p => MessageShape.For(p.ParameterType))];
        var returns = method.ReturnType;
        if (returns == typeof(Task) || returns == typeof(ValueTask))
        {
            IsAsync = true;
        }
        else if (returns.IsGenericType && (returns.GetGenericTypeDefinition() == typeof(Task<>) || returns.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            IsAsync = true;
            Result = MessageShape.For(returns.GetGenericArguments()[0]);
            var task = typeof(Task<>).MakeGenericType(returns.GetGenericArguments()[0]);
            var resultProperty = task.GetProperty(nameof(Task<int>.Result))!;
            _awaitedResult = resultProperty.GetValue;
        }
        else if (returns != typeof(void))
        {
            Result = MessageShape.For(returns);
        }
    }

    /// <summary>Gets the interface method.</summary>
    public MethodInfo Method { get; }

    /// <summary>Gets the name scripts call it by (<see cref="ScriptNames.Method"/>).</summary>
    public string Name { get; }

    /// <summary>Gets the shapes of its values, the cancellation token left out.</summary>
    public IReadOnlyList<MessageShape> Parameters { get; }

    /// <summary>Gets the shape of its result; <see langword="null"/> when it returns nothing.</summary>
    public MessageShape? Result { get; }

    /// <summary>Gets whether it returns a task the script waits for.</summary>
    public bool IsAsync { get; }

    /// <summary>Calls the method. A synchronous method's result, and a task that already finished, come back completed.</summary>
    /// <param name="values">The values, in order of <see cref="Parameters"/>, already of their CLR types.</param>
    /// <param name="cancellationToken">The script call's token, given to a method that takes one.</param>
    /// <returns>The result (awaited when the method returns a task).</returns>
    public ValueTask<object?> InvokeAsync(object?[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        var arguments = new object?[_count];
        for (int i = 0, v = 0; i < _count; i++)
        {
            arguments[i] = i == _tokenIndex ? cancellationToken : v < values.Length ? values[v++] : null;
        }

        var returned = _invoker.Invoke(_service.Instance, arguments.AsSpan());
        if (!IsAsync)
        {
            return ValueTask.FromResult(returned);
        }

        var task = returned switch
        {
            Task t => t,
            null => Task.CompletedTask,
            _ => (Task)returned.GetType().GetMethod(nameof(ValueTask.AsTask))!.Invoke(returned, null)!,
        };
        return task.IsCompletedSuccessfully ? ValueTask.FromResult(_awaitedResult?.Invoke(task)) : AwaitAsync(task);
    }

    private async ValueTask<object?> AwaitAsync(Task task)
    {
        await task.ConfigureAwait(false);
        return _awaitedResult?.Invoke(task);
    }

    /// <inheritdoc />
    public override string ToString() => $"services.{_service.Name}.{Name}";
}
