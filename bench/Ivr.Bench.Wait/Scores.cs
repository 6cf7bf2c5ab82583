namespace Ivr.Bench.Wait;

/// <summary>The predictors scored side by side; the first two are the service's estimator.</summary>
enum Predictor { Learned, Oracle, Asterisk, Les, Hol, Twilio, ErlangC }

/// <summary>Sums over the announcements of one kind (on arrival or in queue) in one replication.</summary>
sealed class Tally
{
    public static readonly int Predictors = Enum.GetValues<Predictor>().Length;

    public long Count;
    public double ActualSquares, FloorVariance;
    public readonly double[] Errors = new double[Predictors], ErrorSquares = new double[Predictors];
    public readonly double[] PromiseMinutes = new double[Predictors];
    public readonly long[] Kept = new long[Predictors];

    public void Add(double actual, double floorVariance, ReadOnlySpan<double> estimates, ReadOnlySpan<int> promises)
    {
        Count++;
        ActualSquares += actual * actual;
        FloorVariance += floorVariance;
        for (var p = 0; p < Predictors; p++)
        {
            var error = estimates[p] - actual;
            Errors[p] += error;
            ErrorSquares[p] += error * error;
            PromiseMinutes[p] += promises[p];
            if (actual <= promises[p] * 60)
                Kept[p]++;
        }
    }

    public double Mse(Predictor p) => ErrorSquares[(int)p] / Count;
    public double Rase(Predictor p) => ErrorSquares[(int)p] / ActualSquares;
    public double Floor => FloorVariance / Count;
    public double Bias(Predictor p) => Errors[(int)p] / Count;
    public double Coverage(Predictor p) => (double)Kept[(int)p] / Count;
    public double MeanPromise(Predictor p) => PromiseMinutes[(int)p] / Count;
}

/// <summary>Mean and 95% confidence half-width of one figure over independent replications (Student t).</summary>
readonly record struct Estimate(double Mean, double HalfWidth)
{
    public static Estimate Of(IEnumerable<double> perReplication)
    {
        var values = perReplication.ToArray();
        var mean = values.Average();
        if (values.Length < 2)
            return new(mean, double.NaN);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return new(mean, StudentT975(values.Length - 1) * Math.Sqrt(variance / values.Length));
    }

    private static double StudentT975(int degrees) => degrees switch
    {
        1 => 12.706, 2 => 4.303, 3 => 3.182, 4 => 2.776, 5 => 2.571, 6 => 2.447, 7 => 2.365, 8 => 2.306,
        9 => 2.262, 10 => 2.228, 11 => 2.201, 12 => 2.179, 13 => 2.160, 14 => 2.145, 15 => 2.131,
        < 20 => 2.101, < 30 => 2.064, < 60 => 2.021, _ => 1.980,
    };

    public string Format(string format) => double.IsNaN(HalfWidth)
        ? Mean.ToString(format)
        : $"{Mean.ToString(format)} ±{HalfWidth.ToString(format)}";
}
