namespace Hotplug.Hosting;

/// <summary>Which folder describes which plugin.</summary>
internal static class FolderClaims
{
    /// <summary>
    /// Decides which folder describes which plugin. Only verified packages claim an id. The folder a version serves from
    /// keeps its id when another folder claims it too; otherwise the first folder in ordinal order wins. A loser is
    /// rejected once (<paramref name="rejectDuplicate"/>, with the winner), and stays ready: it is applied at once if
    /// the winner goes away.
    /// </summary>
    /// <param name="folders">The folders the loop knows.</param>
    /// <param name="isActiveSource">Whether a folder is the one its plugin's active version came from.</param>
    /// <param name="rejectDuplicate">Called once for each folder that loses its id, with the folder that won it.</param>
    /// <returns>The winning folder of each plugin id.</returns>
    public static Dictionary<string, FolderState> Claim(IEnumerable<FolderState> folders, Func<FolderState, bool> isActiveSource, Action<FolderState, FolderState> rejectDuplicate)
    {
        var claims = new Dictionary<string, FolderState>(StringComparer.Ordinal);
        foreach (var folder in folders.Where(f => f.Manifest is not null).OrderBy(f => isActiveSource(f) ? 0 : 1).ThenBy(f => f.Path, StringComparer.Ordinal))
        {
            var manifest = folder.Manifest!;
            if (!claims.TryGetValue(manifest.Id, out var winner))
            {
                folder.DuplicateOf = null;
                claims.Add(manifest.Id, folder);
                continue;
            }

            if (folder.DuplicateOf != winner.Path)
            {
                folder.DuplicateOf = winner.Path;
                rejectDuplicate(folder, winner);
            }
        }

        return claims;
    }
}
