/**
 * Ends every jest run with one plain line CI can count: "N passed, N failed, N skipped".
 * Written on process exit so it comes after jest's own summary.
 */
class TotalsReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.once('exit', () => process.stderr.write(line));
  }
}
module.exports = TotalsReporter;
