namespace Hotplug.Scripting.Lua.Internal;

/// <summary>
/// Lua 5.4's pattern matching (lstrlib.c's <c>match</c> and its helpers), ported so that it checks for an interrupt as
/// it goes: in C a backtracking pattern (<c>string.find(("a"):rep(40), ("a-"):rep(20) .. "b")</c>) or a long plain
/// search runs for hours without reaching a Lua instruction, where the interrupt hook would stop it.
/// </summary>
internal ref partial struct LuaPatterns
{
    private const int MaxCaptures = 32;
    private const int MaxDepth = 200;
    private const int CapUnfinished = -1;
    private const int CapPosition = -2;
    private const int StepsPerCheck = 1 << 12;
    private const byte Esc = (byte)'%';

    private readonly ReadOnlySpan<byte> _src;
    private readonly ReadOnlySpan<byte> _pat;
    private readonly Func<bool> _interrupted;
    private readonly Span<int> _captureInit;
    private readonly Span<int> _captureLength;
    private int _depth;
    private int _steps;

    public LuaPatterns(ReadOnlySpan<byte> source, ReadOnlySpan<byte> pattern, Span<int> captureInit, Span<int> captureLength, Func<bool> interrupted)
    {
        _src = source;
        _pat = pattern;
        _captureInit = captureInit;
        _captureLength = captureLength;
        _interrupted = interrupted;
    }

    public int Level { get; private set; }

    public static int CaptureSlots => MaxCaptures;

    /// <summary>Whether the pattern has none of the special characters: a plain search does.</summary>
    public static bool NoSpecials(ReadOnlySpan<byte> pattern) => pattern.IndexOfAny("^$*+?.([%-"u8) < 0;

    /// <summary>A plain search, in windows between which the interrupt is checked (the naive search is O(n·m)).</summary>
    public static int Find(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle, int start, Func<bool> interrupted)
    {
        if (needle.Length == 0)
        {
            return start;
        }

        var window = Math.Max(1, 1_000_000 / needle.Length);
        for (var pos = start; pos <= haystack.Length - needle.Length;)
        {
            var last = Math.Min(haystack.Length - needle.Length, pos + window - 1);
            var found = haystack.Slice(pos, last - pos + needle.Length).IndexOf(needle);
            if (found >= 0)
            {
                return pos + found;
            }

            if (interrupted())
            {
                throw new LuaPatternException("interrupted");
            }

            pos = last + 1;
        }

        return -1;
    }

    /// <summary>Tries the pattern (from <paramref name="p"/>) at <paramref name="s"/>; returns where the match ends, or -1.</summary>
    public int Match(int s, int p)
    {
        Level = 0;
        _depth = MaxDepth;
        return Run(s, p);
    }

    /// <summary>Gets capture <paramref name="i"/>: its start and length, or <see cref="CapPosition"/> for a position capture.</summary>
    public (int Start, int Length) Capture(int i)
    {
        if (_captureLength[i] == CapUnfinished)
        {
            throw new LuaPatternException("unfinished capture");
        }

        return (_captureInit[i], _captureLength[i]);
    }

    public static bool IsPosition(int length) => length == CapPosition;

    private byte P(int i) => i < _pat.Length ? _pat[i] : (byte)0;

    private byte S(int i) => i < _src.Length ? _src[i] : (byte)0;

    private int Run(int s, int p)
    {
        if (_depth-- == 0)
        {
            throw new LuaPatternException("pattern too complex");
        }

        if (++_steps >= StepsPerCheck)
        {
            _steps = 0;
            if (_interrupted())
            {
                throw new LuaPatternException("interrupted");
            }
        }

        while (true)
        {
            if (p == _pat.Length)
            {
                break;
            }

            switch (_pat[p])
            {
                case (byte)'(':
                    s = P(p + 1) == (byte)')' ? StartCapture(s, p + 2, CapPosition) : StartCapture(s, p + 1, CapUnfinished);
                    break;
                case (byte)')':
                    s = EndCapture(s, p + 1);
                    break;
                case (byte)'$' when p + 1 == _pat.Length:
                    s = s == _src.Length ? s : -1;
                    break;
                case Esc when P(p + 1) == (byte)'b':
                    s = MatchBalance(s, p + 2);
                    if (s != -1)
                    {
                        p += 4;
                        continue;
                    }

                    break;
                case Esc when P(p + 1) == (byte)'f':
                    p += 2;
                    if (P(p) != (byte)'[')
                    {
                        throw new LuaPatternException("missing '[' after '%f' in pattern");
                    }

                    var ep = ClassEnd(p);
                    var previous = s == 0 ? (byte)0 : _src[s - 1];
                    if (!MatchBracketClass(previous, p, ep - 1) && MatchBracketClass(S(s), p, ep - 1))
                    {
                        p = ep;
                        continue;
                    }

                    s = -1;
                    break;
                case Esc when P(p + 1) is >= (byte)'0' and <= (byte)'9':
                    s = MatchCapture(s, P(p + 1));
                    if (s != -1)
                    {
                        p += 2;
                        continue;
                    }

                    break;
                default:
                    var end = ClassEnd(p);
                    var next = P(end);
                    if (!SingleMatch(s, p, end))
                    {
                        if (next is (byte)'*' or (byte)'?' or (byte)'-')
                        {
                            p = end + 1;
                            continue;
                        }

                        s = -1;
                        break;
                    }

                    switch (next)
                    {
                        case (byte)'?':
                            var result = Run(s + 1, end + 1);
                            if (result != -1)
                            {
                                s = result;
                                break;
                            }

                            p = end + 1;
                            continue;
                        case (byte)'+':
                            s = MaxExpand(s + 1, p, end);
                            break;
                        case (byte)'*':
                            s = MaxExpand(s, p, end);
                            break;
                        case (byte)'-':
                            s = MinExpand(s, p, end);
                            break;
                        default:
                            s++;
                            p = end;
                            continue;
                    }

                    break;
            }

            break;
        }

        _depth++;
        return s;
    }

    private int MaxExpand(int s, int p, int ep)
    {
        var i = 0;
        while (SingleMatch(s + i, p, ep))
        {
            i++;
        }

        for (; i >= 0; i--)
        {
            var result = Run(s + i, ep + 1);
            if (result != -1)
            {
                return result;
            }
        }

        return -1;
    }

    private int MinExpand(int s, int p, int ep)
    {
        while (true)
        {
            var result = Run(s, ep + 1);
            if (result != -1)
            {
                return result;
            }

            if (!SingleMatch(s, p, ep))
            {
                return -1;
            }

            s++;
        }
    }

    private int StartCapture(int s, int p, int what)
    {
        if (Level >= MaxCaptures)
        {
            throw new LuaPatternException("too many captures");
        }

        _captureInit[Level] = s;
        _captureLength[Level] = what;
        Level++;
        var result = Run(s, p);
        if (result == -1)
        {
            Level--;
        }

        return result;
    }

    private int EndCapture(int s, int p)
    {
        var l = -1;
        for (var level = Level - 1; level >= 0; level--)
        {
            if (_captureLength[level] == CapUnfinished)
            {
                l = level;
                break;
            }
        }

        if (l < 0)
        {
            throw new LuaPatternException("invalid pattern capture");
        }

        _captureLength[l] = s - _captureInit[l];
        var result = Run(s, p);
        if (result == -1)
        {
            _captureLength[l] = CapUnfinished;
        }

        return result;
    }

    private int MatchCapture(int s, int l)
    {
        l -= '1';
        if (l < 0 || l >= Level || _captureLength[l] == CapUnfinished)
        {
            throw new LuaPatternException($"invalid capture index %{l + 1}");
        }

        var length = _captureLength[l];
        if (length < 0)
        {
            return -1;
        }

        return _src.Length - s >= length && _src.Slice(_captureInit[l], length).SequenceEqual(_src.Slice(s, length)) ? s + length : -1;
    }
}

/// <summary>A malformed pattern, or a search interrupted; its message is Lua's.</summary>
internal sealed class LuaPatternException(string message) : Exception(message);
