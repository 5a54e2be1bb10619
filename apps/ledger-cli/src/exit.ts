/** Commands report their outcome here; main exits with it once the action's promise settles. */
let code = 0;
export const setExitCode = (value: number): void => {
  code = value;
};
export const exitCode = (): number => code;
