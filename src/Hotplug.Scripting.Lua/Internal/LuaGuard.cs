using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hotplug.Scripting.Lua.Internal;

/// <summary>Why an engine stopped a script: the first limit it broke.</summary>
internal enum LuaBreak
{
    None,
    Interrupted,
    Memory,
    Depth,
}

/// <summary>What the allocator reads and writes, in native memory beside the Lua state it serves.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LuaGuardState
{
    public long Used;
    public long Limit;

    /// <summary>Non-zero while script code runs: only then may the allocator refuse.</summary>
    public int Enforce;

    /// <summary>A <see cref="LuaBreak"/>; past the memory or depth limit, every allocation the script asks for is refused.</summary>
    public int Broken;

    /// <summary>The engine's <see cref="GCHandle"/>, for the depth check.</summary>
    public nint Engine;
}

/// <summary>
/// The engine's allocator: it counts every byte and refuses past the memory limit, but only while script code runs —
/// never while a .NET callback or the host pushes and reads values, so those pushes can never raise. Lua then raises
/// "not enough memory" itself, in C. A refusal is final for the engine: the script cannot catch its way past it.
/// </summary>
/// <remarks>
/// Call depth is checked here too, for free on the common path: a call deeper than any before needs a new
/// <c>CallInfo</c> (64 bytes, allocated with no old block), so only such allocations walk the stack
/// (<c>lua_getstack</c> at the limit), and a thread can never hold more frames than the limit allows.
/// </remarks>
internal static unsafe class LuaGuard
{
    private const nuint CallInfoSize = 64;

    public static LuaGuardState* Create(long limit, nint engine)
    {
        var state = (LuaGuardState*)NativeMemory.AllocZeroed((nuint)sizeof(LuaGuardState));
        state->Limit = limit;
        state->Engine = engine;
        return state;
    }

    public static void Free(LuaGuardState* state) => NativeMemory.Free(state);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    public static void* Allocate(void* ud, void* ptr, nuint osize, nuint nsize)
    {
        var state = (LuaGuardState*)ud;
        if (nsize == 0)
        {
            if (ptr is not null)
            {
                NativeMemory.Free(ptr);
                state->Used -= (long)osize;
            }

            return null;
        }

        var old = ptr is null ? 0 : (long)osize;
        var grow = (long)nsize - old;
        if (state->Enforce != 0 && grow > 0)
        {
            // Past a limit the script may not grow again; an interrupt alone refuses nothing (the hook stops the script).
            if (state->Broken is (int)LuaBreak.Memory or (int)LuaBreak.Depth)
            {
                return null;
            }

            if (state->Used + grow > state->Limit)
            {
                Break(state, LuaBreak.Memory);
                return null;
            }

            if (ptr is null && osize == 0 && nsize == CallInfoSize && TooDeep(state))
            {
                Break(state, LuaBreak.Depth);
                return null;
            }
        }

        var block = NativeMemory.Realloc(ptr, nsize);
        if (block is not null)
        {
            state->Used += grow;
        }

        return block;
    }

    private static bool TooDeep(LuaGuardState* state)
    {
        try
        {
            return GCHandle.FromIntPtr(state->Engine).Target is LuaEngine engine && engine.TooDeep();
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static void Break(LuaGuardState* state, LuaBreak reason)
    {
        state->Broken = (int)reason;
        try
        {
            (GCHandle.FromIntPtr(state->Engine).Target as LuaEngine)?.Interrupt();
        }
        catch (Exception)
        {
            // Never let an exception reach Lua's C frames.
        }
    }
}
