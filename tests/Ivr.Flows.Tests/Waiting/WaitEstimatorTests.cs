using Ivr.Flows.Waiting;

namespace Ivr.Flows.Tests.Waiting;

public class WaitEstimatorTests
{
    private static readonly ServiceRates FourMinutesNoAbandon = new(240, double.PositiveInfinity);
    private static readonly ServiceRates FourMinutesPatienceFive = new(240, 300);

    private static WaitForecast Forecast(int ahead, int agents, ServiceRates rates, int free = 0) =>
        WaitEstimator.Forecast(new QueueSnapshot(ahead, agents, free), rates)
        ?? throw new InvalidOperationException("expected a forecast");

    [Fact]
    public void NobodyAhead_OneAgent_WaitIsOneExponentialHandleTime()
    {
        var forecast = Forecast(0, 1, FourMinutesPatienceFive);

        Assert.False(forecast.Immediate);
        Assert.Equal(240, forecast.MeanSeconds, 9);
        Assert.Equal(240 * Math.Log(10), forecast.PromiseSeconds, 6);
        Assert.Equal(10, forecast.PromiseMinutes);
    }

    [Theory]
    [InlineData(0, 2.302585093)]
    [InlineData(1, 3.889720170)]
    [InlineData(2, 5.322320528)]
    [InlineData(9, 14.205990540)]
    public void NoAbandonment_PromiseIsTheErlangQuantile(int ahead, double quantileOfUnitRate)
    {
        // One agent with handle time 1 s: the wait is Gamma(ahead + 1, 1); values are chi-square(2k) / 2.
        var forecast = Forecast(ahead, 1, new ServiceRates(1, double.PositiveInfinity));

        Assert.Equal(quantileOfUnitRate, forecast.PromiseSeconds, 5);
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(5, 10)]
    [InlineData(40, 8)]
    public void NoAbandonment_MeanIsQueueLengthPredictor(int ahead, int agents)
    {
        var forecast = Forecast(ahead, agents, FourMinutesNoAbandon);

        Assert.Equal((ahead + 1) * 240.0 / agents, forecast.MeanSeconds, 9);
    }

    [Fact]
    public void Abandonment_MeanIsTheErlangASum()
    {
        var forecast = Forecast(2, 10, FourMinutesPatienceFive);

        var expected = 1 / (10 / 240.0) + 1 / (10 / 240.0 + 1 / 300.0) + 1 / (10 / 240.0 + 2 / 300.0);
        Assert.Equal(expected, forecast.MeanSeconds, 9);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    public void Abandonment_PromiseSolvesTheHypoexponentialDistribution(int ahead)
    {
        // Few distinct rates: the partial-fraction form of P(W > w) is still exact enough to check against.
        var rates = Enumerable.Range(0, ahead + 1).Select(i => 10 / 240.0 + i / 300.0).ToArray();
        var forecast = Forecast(ahead, 10, FourMinutesPatienceFive);

        var survival = 0.0;
        for (var i = 0; i < rates.Length; i++)
        {
            var weight = 1.0;
            for (var j = 0; j < rates.Length; j++)
                if (j != i)
                    weight *= rates[j] / (rates[j] - rates[i]);
            survival += weight * Math.Exp(-rates[i] * forecast.PromiseSeconds);
        }
        Assert.Equal(0.1, survival, 9);
    }

    [Fact]
    public void LongQueueWithAbandonment_PromiseIsFiniteAndAboveTheMean()
    {
        var forecast = Forecast(400, 10, FourMinutesPatienceFive);

        Assert.True(double.IsFinite(forecast.PromiseSeconds));
        Assert.InRange(forecast.PromiseSeconds, forecast.MeanSeconds, 2 * forecast.MeanSeconds);
    }

    [Theory]
    [InlineData(240.0)]
    [InlineData(double.PositiveInfinity)]
    public void MoreCallersAhead_LongerWaitAndPromise(double patience)
    {
        var rates = new ServiceRates(240, patience);
        var previous = Forecast(0, 10, rates);
        for (var ahead = 1; ahead <= 200; ahead++)
        {
            var next = Forecast(ahead, 10, rates);
            Assert.True(next.MeanSeconds > previous.MeanSeconds, $"mean at {ahead} ahead");
            Assert.True(next.PromiseSeconds > previous.PromiseSeconds, $"promise at {ahead} ahead");
            previous = next;
        }
    }

    [Fact]
    public void Abandonment_ShortensTheWait()
    {
        var patient = Forecast(20, 10, FourMinutesNoAbandon);
        var impatient = Forecast(20, 10, FourMinutesPatienceFive);

        Assert.True(impatient.MeanSeconds < patient.MeanSeconds);
        Assert.True(impatient.PromiseSeconds < patient.PromiseSeconds);
    }

    [Fact]
    public void PromiseIsNeverBelowTheMean()
    {
        foreach (var ahead in new[] { 0, 1, 5, 30, 300 })
        foreach (var rates in new[] { FourMinutesNoAbandon, FourMinutesPatienceFive, new ServiceRates(60, 30) })
        {
            var forecast = Forecast(ahead, 10, rates);
            Assert.True(forecast.PromiseSeconds >= forecast.MeanSeconds, $"{ahead} ahead, {rates}");
            Assert.True(forecast.PromiseMinutes * 60 >= forecast.PromiseSeconds);
        }
    }

    [Theory]
    [InlineData(0.5, 1)]
    [InlineData(59.9, 1)]
    [InlineData(60, 1)]
    [InlineData(60.1, 2)]
    [InlineData(179, 3)]
    public void PromiseMinutes_RoundUpAndAtLeastOne(double seconds, int minutes) =>
        Assert.Equal(minutes, WaitEstimator.WholeMinutesAbove(seconds));

    [Fact]
    public void PromiseUnderAMinute_IsLessThanAMinute()
    {
        var forecast = Forecast(0, 10, new ServiceRates(60, double.PositiveInfinity));

        Assert.Equal(1, forecast.PromiseMinutes);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(2, 3)]
    public void FreeAgentForTheCaller_Immediate(int ahead, int free)
    {
        var forecast = Forecast(ahead, 10, FourMinutesPatienceFive, free);

        Assert.Equal(WaitForecast.Now, forecast);
        Assert.True(forecast.Immediate);
    }

    [Fact]
    public void FreeAgentsTakeCallersAhead_TheRestWaitForBusyAgents()
    {
        var withFree = Forecast(5, 10, FourMinutesPatienceFive, free: 2);
        var allBusy = Forecast(3, 10, FourMinutesPatienceFive);

        Assert.Equal(allBusy, withFree);
    }

    [Fact]
    public void NoAgentOnDuty_NoForecast() =>
        Assert.Null(WaitEstimator.Forecast(new QueueSnapshot(3, 0, 0), FourMinutesPatienceFive));

    [Fact]
    public void InvalidInputs_AreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueueSnapshot(-1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueueSnapshot(0, 1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceRates(0, 300));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ServiceRates(240, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            WaitEstimator.Forecast(new QueueSnapshot(0, 1, 0), FourMinutesPatienceFive, quantile: 1));
    }
}
