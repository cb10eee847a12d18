// A valid recipe document as an operator publishes it (tolerances left to their defaults), for tests.

export const sampleRecipe = () => ({
  gtin: '09506000134352',
  lot: 'L24A17',
  minExpiry: '2027-06-30',
  symbology: 'gs1-datamatrix' as const,
  labelRegion: { xPx: 460, yPx: 360, widthPx: 360, heightPx: 240 },
});
