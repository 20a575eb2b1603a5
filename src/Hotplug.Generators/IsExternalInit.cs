namespace System.Runtime.CompilerServices;

/// <summary>Lets records compile for netstandard2.0, where the runtime does not define this marker type.</summary>
internal static class IsExternalInit
{
}
