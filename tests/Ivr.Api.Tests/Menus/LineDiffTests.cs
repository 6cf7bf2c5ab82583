using Ivr.Api.Menus;

namespace Ivr.Api.Tests;

public sealed class LineDiffTests
{
    private static string Text(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    private static readonly string Ten = Text("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");

    private static string Unified(string before, string after) =>
        LineDiff.Unified(LineDiff.Hunks(LineDiff.Compare(before, after)), "old", "new");

    [Fact]
    public void SameText_HasNoHunks()
    {
        Assert.Empty(LineDiff.Hunks(LineDiff.Compare(Ten, Ten)));
        Assert.Equal("", Unified(Ten, Ten));
    }

    [Fact]
    public void AChangedLine_IsRemovedThenAdded_WithThreeLinesAroundIt()
    {
        var diff = Unified(Ten, Ten.Replace("e\n", "E\n"));

        Assert.Equal("--- old\n+++ new\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n", diff);
    }

    [Fact]
    public void LinesAddedAtTheEnd_AndAtTheTopOfAnEmptyFile()
    {
        Assert.Equal("--- old\n+++ new\n@@ -1,2 +1,3 @@\n a\n b\n+c\n", Unified(Text("a", "b"), Text("a", "b", "c")));
        Assert.Equal("--- old\n+++ new\n@@ -0,0 +1,1 @@\n+x\n", Unified("", Text("x")));
        Assert.Equal("--- old\n+++ new\n@@ -1,1 +0,0 @@\n-x\n", Unified(Text("x"), ""));
    }

    [Fact]
    public void ChangesFarApart_AreSeparateHunks_AndNearOnesShareOne()
    {
        var far = LineDiff.Hunks(LineDiff.Compare(Ten, Ten.Replace("a\n", "A\n").Replace("j\n", "J\n")));
        var near = LineDiff.Hunks(LineDiff.Compare(Ten, Ten.Replace("b\n", "B\n").Replace("i\n", "I\n")));

        Assert.Equal(["@@ -1,4 +1,4 @@", "@@ -7,4 +7,4 @@"], far.Select(h => h.Header));
        Assert.Equal(["@@ -1,10 +1,10 @@"], near.Select(h => h.Header));
    }

    [Fact]
    public void LineNumbers_FollowBothFiles()
    {
        var diff = LineDiff.Compare(Text("a", "b", "c"), Text("x", "a", "c", "y"));

        Assert.Equal(
        [
            new DiffLine(DiffKind.Added, "x", null, 1),
            new DiffLine(DiffKind.Context, "a", 1, 2),
            new DiffLine(DiffKind.Removed, "b", 2, null),
            new DiffLine(DiffKind.Context, "c", 3, 3),
            new DiffLine(DiffKind.Added, "y", null, 4),
        ], diff);
    }

    [Fact]
    public void AMovedLine_IsOneRemovalAndOneAddition()
    {
        var diff = LineDiff.Compare(Text("a", "b", "c", "d"), Text("a", "c", "b", "d"));

        Assert.Equal(1, diff.Count(l => l.Kind == DiffKind.Removed));
        Assert.Equal(1, diff.Count(l => l.Kind == DiffKind.Added));
        Assert.Equal(3, diff.Count(l => l.Kind == DiffKind.Context));
    }

    [Fact]
    public void WindowsLineEndings_AreLineEndings()
    {
        Assert.Empty(LineDiff.Hunks(LineDiff.Compare("a\r\nb\r\n", "a\nb\n")));
    }
}
