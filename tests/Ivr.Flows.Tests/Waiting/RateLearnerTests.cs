using Ivr.Flows.Waiting;

namespace Ivr.Flows.Tests.Waiting;

public class RateLearnerTests
{
    private static readonly DateTimeOffset Opening = new(2025, 3, 5, 8, 0, 0, TimeSpan.Zero);

    private static double Exponential(Random random, double mean) => -mean * Math.Log(1 - random.NextDouble());

    // A day of a department's events: a service or an ended wait every 10 s on average, each wait censored by an
    // offered wait (served) or ended by the caller's patience (abandoned).
    private static RateLearner Feed(RateLearner learner, Random random, DateTimeOffset from, TimeSpan length,
        double handleSeconds, double patienceSeconds, double offeredWaitSeconds = 120)
    {
        for (var at = from; at < from + length; at = at.AddSeconds(Exponential(random, 10)))
        {
            learner = learner.WithService(Exponential(random, handleSeconds), at);
            var patience = Exponential(random, patienceSeconds);
            var offered = Exponential(random, offeredWaitSeconds);
            learner = learner.WithWait(Math.Min(patience, offered), patience < offered, at);
        }
        return learner;
    }

    [Fact]
    public void NoData_ThePriorIsTheEstimate()
    {
        Assert.Equal(new ServiceRates(240, 300), RateLearner.Cold().Current);
        Assert.Equal(new ServiceRates(180, 90), RateLearner.Cold(180, 90).Current);
    }

    [Fact]
    public void FewObservations_ThePriorStillWeighs()
    {
        var learner = RateLearner.Cold().WithService(1200, Opening);

        // One 20-minute call against five typical ones: (5 * 240 + 1200) / 6.
        Assert.Equal(400, learner.Current.MeanHandleSeconds, 9);
    }

    [Fact]
    public void GeneratedData_ConvergesToTheTrueRates()
    {
        var learner = Feed(RateLearner.Cold(), new Random(7), Opening, TimeSpan.FromHours(8), 180, 600);

        Assert.InRange(learner.Current.MeanHandleSeconds, 180 * 0.9, 180 * 1.1);
        Assert.InRange(learner.Current.MeanPatienceSeconds, 600 * 0.85, 600 * 1.15);
    }

    [Fact]
    public void NoAbandonments_PatienceGrowsWithoutBound()
    {
        var learner = RateLearner.Cold();
        for (var minute = 0; minute < 7 * 24 * 60; minute++)
            learner = learner.WithWait(60, abandoned: false, Opening.AddMinutes(minute));

        Assert.True(learner.Current.MeanPatienceSeconds > 1e6);
    }

    [Fact]
    public void HandleTimeDrifts_ForgettingFollowsTheChange()
    {
        var random = new Random(11);
        var learner = Feed(RateLearner.Cold(), random, Opening, TimeSpan.FromHours(6), 180, 300);
        Assert.InRange(learner.Current.MeanHandleSeconds, 160, 200);

        learner = Feed(learner, random, Opening.AddHours(6), TimeSpan.FromHours(6), 360, 300);

        Assert.InRange(learner.Current.MeanHandleSeconds, 320, 400);
    }

    [Fact]
    public void QuietNight_OneLongCallInTheMorningDoesNotTakeOver()
    {
        var learner = Feed(RateLearner.Cold(), new Random(3), Opening, TimeSpan.FromHours(8), 180, 300);
        var evening = learner.Current.MeanHandleSeconds;

        var morning = learner.WithService(1800, Opening.AddHours(24));

        Assert.InRange(morning.Current.MeanHandleSeconds, evening * 0.99, evening * 1.01);
    }

    [Fact]
    public void LongGap_EvidenceFadesNoFurtherThanThePriorsWeight()
    {
        var twoHours = TimeSpan.FromHours(2);
        var learner = Feed(RateLearner.Cold(halfLife: twoHours, recentHalfLife: twoHours), new Random(3), Opening,
            TimeSpan.FromHours(8), 180, 300);
        var evening = learner.Current.MeanHandleSeconds;

        var morning = learner.WithService(1800, Opening.AddHours(48));

        // Yesterday's evidence faded to the prior's weight (5 calls), not to nothing: (5 * evening + 1800) / 6.
        Assert.Equal((5 * evening + 1800) / 6, morning.Current.MeanHandleSeconds, 6);
    }

    [Fact]
    public void SteadyDepartment_EstimateStaysWithinAFewPercent()
    {
        var random = new Random(5);
        var learner = Feed(RateLearner.Cold(), random, Opening, TimeSpan.FromHours(8), 240, 300);
        var estimates = new List<double>();
        for (var hour = 8; hour < 48; hour++)
        {
            learner = Feed(learner, random, Opening.AddHours(hour), TimeSpan.FromHours(1), 240, 300);
            estimates.Add(learner.Current.MeanHandleSeconds);
        }

        Assert.All(estimates, e => Assert.InRange(e, 240 * 0.96, 240 * 1.04));
    }

    [Fact]
    public void InvalidObservations_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RateLearner.Cold().WithService(-1, Opening));
        Assert.Throws<ArgumentOutOfRangeException>(() => RateLearner.Cold().WithWait(double.NaN, false, Opening));
        Assert.Throws<ArgumentOutOfRangeException>(() => RateLearner.Cold(priorWeight: 0));
    }
}
