using System.Globalization;
using System.Text.RegularExpressions;
using Ivr.Flows.Model;

namespace Ivr.Flows.Engine;

/// <summary>
/// Reads a caller's answer to a survey question from keys or speech: "4", "10", "dziesięć", "ten", "tak", "no".
/// An answer outside the question's range (11, "#", a word that is no number) is no answer.
/// </summary>
public static partial class SurveyAnswers
{
    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zero"] = 0,
        ["jeden"] = 1, ["jedna"] = 1, ["jedno"] = 1, ["jedynka"] = 1, ["one"] = 1,
        ["dwa"] = 2, ["dwie"] = 2, ["dwójka"] = 2, ["two"] = 2,
        ["trzy"] = 3, ["trójka"] = 3, ["three"] = 3,
        ["cztery"] = 4, ["czwórka"] = 4, ["four"] = 4,
        ["pięć"] = 5, ["piątka"] = 5, ["five"] = 5,
        ["sześć"] = 6, ["szóstka"] = 6, ["six"] = 6,
        ["siedem"] = 7, ["siódemka"] = 7, ["seven"] = 7,
        ["osiem"] = 8, ["ósemka"] = 8, ["eight"] = 8,
        ["dziewięć"] = 9, ["dziewiątka"] = 9, ["nine"] = 9,
        ["dziesięć"] = 10, ["dziesiątka"] = 10, ["ten"] = 10,
    };

    private static readonly string[] YesWords = ["tak", "yes", "yeah", "oczywiście", "załatwiona", "resolved"];
    private static readonly string[] NoWords = ["nie", "no", "nope"];

    /// <summary>The lowest and highest answer a question takes (resolved: 1 yes, 0 no).</summary>
    public static (int Min, int Max) Range(SurveyQuestion question) => question switch
    {
        SurveyQuestion.Csat => (1, 5),
        SurveyQuestion.Nps => (0, 10),
        _ => (0, 1),
    };

    /// <summary>How many keys the question's gather waits for: two for 0 to 10, one otherwise.</summary>
    public static int Digits(SurveyQuestion question) => question == SurveyQuestion.Nps ? 2 : 1;

    /// <summary>The answer in <paramref name="digits"/> or <paramref name="speech"/>; null when there is none that fits.</summary>
    public static int? Parse(SurveyQuestion question, string? digits, string? speech)
    {
        var keyed = (digits ?? "").Trim().TrimEnd('#');
        if (keyed.Length > 0)
        {
            if (!AllDigits().IsMatch(keyed) || keyed.Length > 2)
                return null;
            var number = int.Parse(keyed, CultureInfo.InvariantCulture);
            // Keys for yes and no: 1 and 2.
            if (question == SurveyQuestion.Resolved)
                return number switch { 1 => 1, 2 => 0, _ => null };
            return Fits(question, number);
        }
        var words = Words().Matches((speech ?? "").ToLowerInvariant()).Select(m => m.Value).ToList();
        if (words.Count == 0)
            return null;
        if (question == SurveyQuestion.Resolved)
        {
            var yes = words.Any(w => YesWords.Contains(w));
            var no = words.Any(w => NoWords.Contains(w));
            return yes == no ? null : yes ? 1 : 0;
        }
        // The last number said counts ("raczej cztery, nie, pięć" is 5); a number that does not fit is no answer.
        int? said = null;
        foreach (var word in words)
        {
            if (AllDigits().IsMatch(word) && word.Length <= 3)
                said = int.Parse(word, CultureInfo.InvariantCulture);
            else if (Numbers.TryGetValue(word, out var value))
                said = value;
        }
        return said is { } n ? Fits(question, n) : null;
    }

    private static int? Fits(SurveyQuestion question, int number)
    {
        var (min, max) = Range(question);
        return number >= min && number <= max ? number : null;
    }

    [GeneratedRegex("^[0-9]+$")]
    private static partial Regex AllDigits();

    [GeneratedRegex(@"[\p{L}0-9]+")]
    private static partial Regex Words();
}
