using System.Text;

namespace Ivr.Api.Menus;

public enum DiffKind
{
    Context,
    Added,
    Removed,
}

/// <summary>One line of a diff: its text and where it is in the old and the new file (1-based; null where it is absent).</summary>
public sealed record DiffLine(DiffKind Kind, string Text, int? OldLine, int? NewLine);

/// <summary>A run of changes with the unchanged lines around them, as in a unified diff.</summary>
public sealed record DiffHunk(int OldStart, int OldCount, int NewStart, int NewCount, IReadOnlyList<DiffLine> Lines)
{
    public string Header => $"@@ -{OldStart},{OldCount} +{NewStart},{NewCount} @@";
}

/// <summary>
/// Line diff of two menu files through their longest common subsequence, grouped into unified hunks, so that an
/// admin sees what a version changed before rolling back to it.
/// </summary>
public static class LineDiff
{
    public const int ContextLines = 3;

    // Beyond this many cells the table would take too much memory; such files are shown as replaced whole.
    private const long MaxTableCells = 4_000_000;

    /// <summary>Every line of both texts, in order: unchanged lines as context, removals before the additions that replace them.</summary>
    public static IReadOnlyList<DiffLine> Compare(string oldText, string newText)
    {
        var before = Lines(oldText);
        var after = Lines(newText);

        // Unchanged lines at both ends need no table.
        var prefix = 0;
        while (prefix < before.Length && prefix < after.Length && before[prefix] == after[prefix])
            prefix++;
        var suffix = 0;
        while (suffix < before.Length - prefix && suffix < after.Length - prefix
               && before[^(suffix + 1)] == after[^(suffix + 1)])
            suffix++;

        var diff = new List<DiffLine>(before.Length + after.Length);
        for (var i = 0; i < prefix; i++)
            diff.Add(new DiffLine(DiffKind.Context, before[i], i + 1, i + 1));
        CompareMiddle(before[prefix..^suffix], after[prefix..^suffix], prefix, diff);
        for (var k = suffix; k > 0; k--)
            diff.Add(new DiffLine(DiffKind.Context, before[^k], before.Length - k + 1, after.Length - k + 1));
        return diff;
    }

    /// <summary>The changes with <paramref name="context"/> unchanged lines around each; changes whose contexts touch share a hunk.</summary>
    public static IReadOnlyList<DiffHunk> Hunks(IReadOnlyList<DiffLine> diff, int context = ContextLines)
    {
        var hunks = new List<DiffHunk>();
        int? start = null;
        var end = 0;
        for (var i = 0; i < diff.Count; i++)
        {
            if (diff[i].Kind == DiffKind.Context)
                continue;
            if (start is not null && i - context > end + 1)
            {
                hunks.Add(ToHunk(diff, start.Value, end));
                start = null;
            }
            start ??= Math.Max(0, i - context);
            end = Math.Min(diff.Count - 1, i + context);
        }
        if (start is not null)
            hunks.Add(ToHunk(diff, start.Value, end));
        return hunks;
    }

    /// <summary>The hunks as the text of a unified diff (<c>---</c>, <c>+++</c>, <c>@@</c> headers, one prefixed line each).</summary>
    public static string Unified(IReadOnlyList<DiffHunk> hunks, string oldName, string newName)
    {
        var text = new StringBuilder();
        if (hunks.Count == 0)
            return "";
        text.Append("--- ").Append(oldName).Append('\n');
        text.Append("+++ ").Append(newName).Append('\n');
        foreach (var hunk in hunks)
        {
            text.Append(hunk.Header).Append('\n');
            foreach (var line in hunk.Lines)
                text.Append(line.Kind switch { DiffKind.Added => '+', DiffKind.Removed => '-', _ => ' ' }).Append(line.Text).Append('\n');
        }
        return text.ToString();
    }

    private static void CompareMiddle(string[] before, string[] after, int offset, List<DiffLine> diff)
    {
        var n = before.Length;
        var m = after.Length;
        if ((long)(n + 1) * (m + 1) > MaxTableCells)
        {
            for (var i = 0; i < n; i++)
                diff.Add(new DiffLine(DiffKind.Removed, before[i], offset + i + 1, null));
            for (var j = 0; j < m; j++)
                diff.Add(new DiffLine(DiffKind.Added, after[j], null, offset + j + 1));
            return;
        }

        // common[i, j]: length of the longest common subsequence of before[i..] and after[j..].
        var common = new int[n + 1, m + 1];
        for (var i = n - 1; i >= 0; i--)
            for (var j = m - 1; j >= 0; j--)
                common[i, j] = before[i] == after[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);

        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && before[x] == after[y])
            {
                diff.Add(new DiffLine(DiffKind.Context, before[x], offset + x + 1, offset + y + 1));
                x++;
                y++;
            }
            else if (y == m || (x < n && common[x + 1, y] >= common[x, y + 1]))
            {
                diff.Add(new DiffLine(DiffKind.Removed, before[x], offset + x + 1, null));
                x++;
            }
            else
            {
                diff.Add(new DiffLine(DiffKind.Added, after[y], null, offset + y + 1));
                y++;
            }
        }
    }

    private static DiffHunk ToHunk(IReadOnlyList<DiffLine> diff, int start, int end)
    {
        var lines = new List<DiffLine>(end - start + 1);
        for (var i = start; i <= end; i++)
            lines.Add(diff[i]);
        var oldCount = lines.Count(l => l.Kind != DiffKind.Added);
        var newCount = lines.Count(l => l.Kind != DiffKind.Removed);
        // As in unified diffs, an empty side "starts" at the line before it (0 at the top of the file).
        var oldStart = oldCount == 0 ? LineBefore(diff, start, l => l.OldLine) : lines.First(l => l.OldLine is not null).OldLine!.Value;
        var newStart = newCount == 0 ? LineBefore(diff, start, l => l.NewLine) : lines.First(l => l.NewLine is not null).NewLine!.Value;
        return new DiffHunk(oldStart, oldCount, newStart, newCount, lines);
    }

    private static int LineBefore(IReadOnlyList<DiffLine> diff, int index, Func<DiffLine, int?> line)
    {
        for (var i = index - 1; i >= 0; i--)
            if (line(diff[i]) is { } number)
                return number;
        return 0;
    }

    /// <summary>The lines of a text; a final line break does not start another line, and "\r\n" counts as one break.</summary>
    private static string[] Lines(string text)
    {
        if (text.Length == 0)
            return [];
        var lines = text.Replace("\r\n", "\n").Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }
}
