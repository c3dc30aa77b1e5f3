using Agents.Orchestrator.Incidents;

namespace Agents.Orchestrator.Tests.Incidents;

/// <summary>What the saga keeps of an operator's words: trimmed, capped, storable.</summary>
public sealed class OperatorTextTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t\n ")]
    public void Blank_text_is_none(string? text)
    {
        Assert.Null(OperatorText.Note(text));
        Assert.Null(OperatorText.Actor(text));
    }

    [Fact]
    public void Text_is_trimmed_and_kept_as_it_is_up_to_the_limit()
    {
        Assert.Equal("failed over by hand", OperatorText.Note("  failed over by hand \n"));
        var exact = new string('x', OperatorText.MaxNoteLength);
        Assert.Equal(exact, OperatorText.Note(exact));
    }

    [Fact]
    public void Longer_text_is_cut_with_a_marker_and_never_between_the_halves_of_a_surrogate_pair()
    {
        // 4094 x, then an emoji (two UTF-16 units) that would straddle the cut.
        var note = new string('x', OperatorText.MaxNoteLength - 2) + "😀" + "tail";

        var kept = OperatorText.Note(note)!;

        Assert.Equal(OperatorText.MaxNoteLength - 1, kept.Length);
        Assert.Equal(new string('x', OperatorText.MaxNoteLength - 2) + "…", kept);
        Assert.Equal(OperatorText.MaxNoteLength, OperatorText.Note(new string('y', 10_000))!.Length);
    }

    [Fact]
    public void What_PostgreSQL_cannot_store_is_replaced()
    {
        Assert.Equal("a\uFFFDb\uFFFDc😀", OperatorText.Note("a\ud800b\0c😀"));
    }
}
