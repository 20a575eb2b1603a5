using System.Globalization;
using System.Text;

namespace Hotplug.Discovery;

/// <summary>
/// A cheap summary of a folder: every file's relative path, size and last write time. Two equal fingerprints
/// taken a stability window apart mean nobody is writing to the folder.
/// </summary>
internal readonly record struct FolderFingerprint(string Value, int FileCount)
{
    public static FolderFingerprint? TryTake(string folder)
    {
        try
        {
            if (File.Exists(folder))
            {
                // A zipped package: its size and write time.
                var zip = new FileInfo(folder);
                return new FolderFingerprint(string.Create(CultureInfo.InvariantCulture, $"{zip.Length}|{zip.LastWriteTimeUtc.Ticks}"), 1);
            }

            var builder = new StringBuilder();
            var count = 0;
            foreach (var file in EnumerateFiles(folder))
            {
                var info = new FileInfo(file);
                builder.Append(Path.GetRelativePath(folder, file)).Append('|')
                    .Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append('|')
                    .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
                count++;
            }

            return new FolderFingerprint(builder.ToString(), count);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The folder changed under us (a file was removed or renamed while listing): not stable.
            return null;
        }
    }

    /// <summary>Lists a folder's files in ordinal order of their relative paths, so listings are comparable.</summary>
    public static IEnumerable<string> EnumerateFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = 0 })
            .OrderBy(f => f, StringComparer.Ordinal);
}
