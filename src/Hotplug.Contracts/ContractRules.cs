// The rules of a plugin contract, written once: compiled into Hotplug.Contracts (which applies them to a
// contract's MethodInfos at run time) and linked into Hotplug.Generators (which applies them to Roslyn symbols
// at build time). Both sides name types by metadata name ("System.Threading.Tasks.Task`1"), so nothing here
// depends on reflection or on Roslyn, and the file stays netstandard2.0 C# (whose library has no IAsyncEnumerable or
// ValueTask to refer to, hence the plain names in the comments).
namespace Hotplug.Contracts;

/// <summary>How an operation exchanges messages: one each way, or a stream in either or both directions.</summary>
#if HOTPLUG_GENERATOR
internal
#else
public
#endif
enum OperationKind
{
    /// <summary>One request, one response (or none).</summary>
    Unary,

    /// <summary>One request; the response is a stream (<c>IAsyncEnumerable&lt;T&gt;</c> result).</summary>
    ServerStream,

    /// <summary>The request is a stream (<c>IAsyncEnumerable&lt;T&gt;</c> parameter); one response.</summary>
    ClientStream,

    /// <summary>Both the request and the response are streams.</summary>
    DuplexStream,
}

/// <summary>What a contract method returns, which decides how its result is awaited, produced and adapted.</summary>
#if HOTPLUG_GENERATOR
internal
#else
public
#endif
enum ResultShape
{
    /// <summary><c>void</c>.</summary>
    Void,

    /// <summary>A value returned synchronously.</summary>
    Sync,

    /// <summary><c>Task</c>.</summary>
    Task,

    /// <summary><c>Task&lt;T&gt;</c>.</summary>
    TaskOfT,

    /// <summary><c>ValueTask</c>.</summary>
    ValueTask,

    /// <summary><c>ValueTask&lt;T&gt;</c>.</summary>
    ValueTaskOfT,

    /// <summary><c>IAsyncEnumerable&lt;T&gt;</c>: a stream of items.</summary>
    AsyncEnumerable,
}

/// <summary>What a parameter of a contract method is to the call.</summary>
internal enum ParameterRole
{
    /// <summary>A value sent with the request.</summary>
    Data,

    /// <summary>The call's <c>CancellationToken</c>.</summary>
    Token,

    /// <summary>An <c>IAsyncEnumerable&lt;T&gt;</c> whose items are sent as a stream.</summary>
    Stream,
}

/// <summary>The rules every contract follows, whatever runs it, and the words used when one is broken.</summary>
internal static class ContractRules
{
    /// <summary>The metadata name of <c>CancellationToken</c>.</summary>
    public const string CancellationTokenName = "System.Threading.CancellationToken";

    /// <summary>The metadata name of <c>IAsyncEnumerable&lt;T&gt;</c>.</summary>
    public const string AsyncEnumerableName = "System.Collections.Generic.IAsyncEnumerable`1";

    /// <summary>The suffix an operation's name goes without: <c>RankAsync</c> is the operation <c>Rank</c>.</summary>
    public const string AsyncSuffix = "Async";

    // The words of each broken rule: the generator's diagnostics ({0} member, {1} contract) and the contract
    // layer's exceptions use the same sentences.
    public const string NotAMethodFormat = "'{0}' of contract '{1}' is not a method; plugin contracts have methods only: replace properties, events and indexers with methods that take and return data messages";
    public const string GenericMethodFormat = "Method '{0}' of contract '{1}' is generic; contract methods must be callable across processes and scripts: use concrete message types";
    public const string RefParameterFormat = "Method '{0}' of contract '{1}' has a ref or out parameter; contracts take data messages and return results: return a message instead";
    public const string GenericContractFormat = "Contract '{0}' is a generic interface; declare one non-generic contract per message type";
    public const string TwoTokensFormat = "Method '{0}' of contract '{1}' takes more than one CancellationToken; a call has one cancellation: take one CancellationToken";
    public const string StreamNotAloneFormat = "Method '{0}' of contract '{1}' takes an IAsyncEnumerable<T> parameter besides other data parameters; a method that streams its input takes the stream as its only parameter besides a CancellationToken";

    /// <summary>Gets the shape of a return type from its metadata name (a generic type by its definition's, such as <c>System.Threading.Tasks.Task`1</c>).</summary>
    /// <param name="metadataName">The return type's metadata name; <c>System.Void</c> or <see langword="null"/> for <c>void</c>.</param>
    /// <returns>The shape.</returns>
    public static ResultShape ShapeOf(string? metadataName)
    {
        switch (metadataName)
        {
            case null:
            case "System.Void":
                return ResultShape.Void;
            case "System.Threading.Tasks.Task":
                return ResultShape.Task;
            case "System.Threading.Tasks.Task`1":
                return ResultShape.TaskOfT;
            case "System.Threading.Tasks.ValueTask":
                return ResultShape.ValueTask;
            case "System.Threading.Tasks.ValueTask`1":
                return ResultShape.ValueTaskOfT;
            case AsyncEnumerableName:
                return ResultShape.AsyncEnumerable;
            default:
                return ResultShape.Sync;
        }
    }

    /// <summary>Gets whether a shape carries a value (the <c>T</c> of <c>Task&lt;T&gt;</c>, a synchronous result, or a stream's items).</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>Whether the operation produces values.</returns>
    public static bool HasResult(ResultShape shape) =>
        shape is not (ResultShape.Void or ResultShape.Task or ResultShape.ValueTask);

    /// <summary>Gets whether the value of a shape is the return type's type argument rather than the return type itself.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>Whether the result type is the return type's only type argument.</returns>
    public static bool IsWrapped(ResultShape shape) =>
        shape is ResultShape.TaskOfT or ResultShape.ValueTaskOfT or ResultShape.AsyncEnumerable;

    /// <summary>Gets the role of a parameter from its type's metadata name (a generic type by its definition's).</summary>
    /// <param name="metadataName">The parameter type's metadata name.</param>
    /// <returns>The role.</returns>
    public static ParameterRole RoleOf(string metadataName) =>
        metadataName == CancellationTokenName ? ParameterRole.Token
        : metadataName == AsyncEnumerableName ? ParameterRole.Stream
        : ParameterRole.Data;

    /// <summary>Gets which rule a method's parameters break, as a format of <c>{0}</c> method and <c>{1}</c> contract, or <see langword="null"/>.</summary>
    /// <param name="roles">The role of each parameter, in order.</param>
    /// <returns>The broken rule's format, or <see langword="null"/> when the parameters are fine.</returns>
    public static string? CheckParameters(System.Collections.Generic.IReadOnlyList<ParameterRole> roles)
    {
        int tokens = 0, streams = 0, data = 0;
        foreach (var role in roles)
        {
            switch (role)
            {
                case ParameterRole.Token: tokens++; break;
                case ParameterRole.Stream: streams++; break;
                default: data++; break;
            }
        }

        return tokens > 1 ? TwoTokensFormat
            : streams > 0 && streams + data > 1 ? StreamNotAloneFormat
            : null;
    }

    /// <summary>Gets how an operation exchanges messages.</summary>
    /// <param name="shape">The result shape.</param>
    /// <param name="streamsInput">Whether a parameter is a stream.</param>
    /// <returns>The kind.</returns>
    public static OperationKind KindOf(ResultShape shape, bool streamsInput) =>
        (streamsInput, shape == ResultShape.AsyncEnumerable) switch
        {
            (true, true) => OperationKind.DuplexStream,
            (true, false) => OperationKind.ClientStream,
            (false, true) => OperationKind.ServerStream,
            _ => OperationKind.Unary,
        };

    /// <summary>Gets an operation's name from its method's: without the <c>Async</c> suffix, so <c>RankAsync</c> is <c>Rank</c>.</summary>
    /// <param name="methodName">The method's name.</param>
    /// <returns>The operation's name.</returns>
    public static string OperationName(string methodName) =>
        methodName.Length > AsyncSuffix.Length && methodName.EndsWith(AsyncSuffix, System.StringComparison.Ordinal)
            ? methodName.Substring(0, methodName.Length - AsyncSuffix.Length)
            : methodName;

    /// <summary>Gets whether a name asked for by a caller is a method's name, ignoring case.</summary>
    /// <param name="methodName">The method's name.</param>
    /// <param name="requested">The name asked for.</param>
    /// <returns>Whether they match.</returns>
    public static bool IsMethodName(string methodName, string requested) =>
        string.Equals(methodName, requested, System.StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets whether a name asked for by a caller is a method's name without its <c>Async</c> suffix, ignoring case (tried when no name matched whole).</summary>
    /// <param name="methodName">The method's name.</param>
    /// <param name="requested">The name asked for.</param>
    /// <returns>Whether they match.</returns>
    public static bool IsMethodNameWithoutAsync(string methodName, string requested) =>
        string.Equals(methodName, requested + AsyncSuffix, System.StringComparison.OrdinalIgnoreCase);
}
