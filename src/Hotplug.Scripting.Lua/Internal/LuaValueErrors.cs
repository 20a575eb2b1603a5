namespace Hotplug.Scripting.Lua.Internal;

/// <summary>A script's value does not fit its shape; <see cref="Path"/> says where, built as the exception passes each level.</summary>
internal sealed class LuaValueMismatch(string problem) : Exception(problem)
{
    private readonly List<string> _segments = [];

    public string Problem { get; } = problem;

    /// <summary>Adds the level the exception is passing; always <see langword="false"/>, for use as an exception filter.</summary>
    public bool Within(string segment)
    {
        _segments.Add(segment);
        return false;
    }

    public string Path(string root)
    {
        var builder = new System.Text.StringBuilder(root);
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            builder.Append(_segments[i]);
        }

        return builder.ToString();
    }
}

/// <summary>A returned message is larger than the output limit.</summary>
internal sealed class LuaOutputExceeded() : Exception("The returned message is larger than the output limit.");
