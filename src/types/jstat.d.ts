// The part of jStat qexp uses (the package ships no types).
declare module 'jstat' {
  export const jStat: {
    studentt: { cdf(x: number, dof: number): number };
  };
}
