namespace Ivr.Bench.Wait;

/// <summary>The targets the learned estimator must meet in every scenario.</summary>
static class Targets
{
    public sealed record Verdict(Estimate MseRatio, Estimate Bias, Estimate VersusAsterisk, Estimate Coverage,
        Estimate PromiseVersusOracle)
    {
        public bool MseOk => MseRatio.Mean <= 1.10;
        public bool BiasOk => Math.Abs(Bias.Mean) <= 3;
        public bool AsteriskOk => VersusAsterisk.Mean <= 0.5;
        public bool CoverageOk => Coverage.Mean >= 0.93;
        public bool PromiseOk => PromiseVersusOracle.Mean <= 1.05;
        public bool All => MseOk && BiasOk && AsteriskOk && CoverageOk && PromiseOk;
    }

    public static Verdict Check(Scenario scenario, IReadOnlyList<Tally> tallies) => new(
        Estimate.Of(tallies.Select(t => t.Mse(Predictor.Learned) / Reference(scenario, t))),
        Estimate.Of(tallies.Select(t => t.Bias(Predictor.Learned))),
        Estimate.Of(tallies.Select(t => t.Mse(Predictor.Learned) / t.Mse(Predictor.Asterisk))),
        Estimate.Of(tallies.Select(t => t.Coverage(Predictor.Learned))),
        Estimate.Of(tallies.Select(t => t.MeanPromise(Predictor.Learned) / t.MeanPromise(Predictor.Oracle))));

    /// <summary>The MSE a predictor is measured against: the floor E[Var(W|n)] if Markovian, else the oracle's MSE.</summary>
    public static double Reference(Scenario scenario, Tally tally) =>
        scenario.HasFloor ? tally.Floor : tally.Mse(Predictor.Oracle);
}

static class Report
{
    private static readonly string[] Names = ["learned (ours)", "oracle", "Asterisk", "LES", "HOL", "Twilio avg", "Erlang C"];

    public static void Table(Scenario scenario, string kind, IReadOnlyList<Tally> tallies)
    {
        var reference = scenario.HasFloor ? "MSE/floor" : "MSE/oracle";
        Console.WriteLine();
        Console.WriteLine($"{kind}: {tallies.Average(t => t.Count):N0} announcements per replication, " +
            $"root mean squared wait {Math.Sqrt(tallies.Average(t => t.ActualSquares / t.Count)):F0} s" +
            (scenario.HasFloor ? $", floor sqrt(E[Var(W|n)]) {Math.Sqrt(tallies.Average(t => t.Floor)):F0} s" : ""));
        Console.WriteLine($"| predictor | RASE | {reference} | bias s | kept % | mean X min | ours MSE / this |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var p in Enum.GetValues<Predictor>())
        {
            if (p == Predictor.ErlangC && scenario.Utilisation >= 1)
            {
                Console.WriteLine($"| {Names[(int)p]} | n/a: no finite mean when overloaded | | | | | |");
                continue;
            }
            var rase = Estimate.Of(tallies.Select(t => t.Rase(p)));
            var ratio = Estimate.Of(tallies.Select(t => t.Mse(p) / Targets.Reference(scenario, t)));
            var bias = Estimate.Of(tallies.Select(t => t.Bias(p)));
            var kept = Estimate.Of(tallies.Select(t => 100 * t.Coverage(p)));
            var promise = Estimate.Of(tallies.Select(t => t.MeanPromise(p)));
            var ours = Estimate.Of(tallies.Select(t => t.Mse(Predictor.Learned) / t.Mse(p)));
            Console.WriteLine($"| {Names[(int)p]} | {rase.Format("F3")} | {ratio.Format("F3")} | {bias.Format("F1")} | " +
                $"{kept.Format("F1")} | {promise.Format("F2")} | {(p == Predictor.Learned ? "" : ours.Format("F3"))} |");
        }
    }

    public static void Summary(IReadOnlyList<(Scenario Scenario, Targets.Verdict OnArrival, Targets.Verdict InQueue)> verdicts)
    {
        Console.WriteLine("## Targets for the learned estimator (95% CI over replications)");
        Console.WriteLine();
        Console.WriteLine("| scenario | announced | MSE / floor or oracle <= 1.10 | abs(bias) <= 3 s | MSE / Asterisk <= 0.5 | kept >= 93% | mean X / oracle <= 1.05 | all |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var (scenario, onArrival, inQueue) in verdicts)
        {
            foreach (var (kind, v) in new[] { ("on arrival", onArrival), ("in queue", inQueue) })
            {
                Console.WriteLine($"| {scenario.Id} | {kind} | {v.MseRatio.Format("F3")} {Mark(v.MseOk)} | " +
                    $"{v.Bias.Format("F1")} {Mark(v.BiasOk)} | {v.VersusAsterisk.Format("F3")} {Mark(v.AsteriskOk)} | " +
                    $"{(100 * v.Coverage.Mean):F1}% ±{(100 * v.Coverage.HalfWidth):F1} {Mark(v.CoverageOk)} | " +
                    $"{v.PromiseVersusOracle.Format("F3")} {Mark(v.PromiseOk)} | {Mark(v.All)} |");
            }
        }
    }

    private static string Mark(bool pass) => pass ? "PASS" : "FAIL";
}
