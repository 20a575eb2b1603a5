using Hotplug.Scripting.Lua.Internal;

namespace Hotplug.Scripting.Lua;

/// <summary>
/// The <c>lua</c> runtime: plugins written in Lua 5.4 (through KeraLua's build of the C library), each version
/// compiled once and run by a pool of sandboxed engines with time, memory, depth and output limits.
/// </summary>
/// <remarks>
/// A script sees only the base functions, <c>string</c> (without <c>dump</c>), <c>table</c>, <c>math</c>, <c>utf8</c>,
/// <c>coroutine</c>, <c>os.time</c>/<c>date</c>/<c>clock</c>/<c>difftime</c>, <c>load</c> of text chunks, and what
/// the host gives it (<c>plugin</c>, <c>config</c>, <c>log</c>, <c>state</c>, <c>services</c>). Register it with
/// <see cref="HotplugLuaExtensions.AddLuaRuntime"/>.
/// </remarks>
public sealed class LuaRuntime : ScriptRuntime
{
    /// <summary>Creates the runtime.</summary>
    public LuaRuntime()
        : base(new LuaLanguage())
    {
    }
}
