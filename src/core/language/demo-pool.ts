/**
 * A small starter pool of candidate sentences for ranking (written for this app; replace it with your own pool,
 * e.g. a corpus sample as in Tuckute et al. 2024). Deliberately varied: plain narration, questions, lists,
 * jargon, ungrammatical strings, so drive and suppress ends differ.
 */
export const DEMO_POOL: string[] = [
  'The children walked to school along the river every morning.',
  'She poured the tea and waited for the rain to stop.',
  'After the meeting, the committee voted to postpone the decision.',
  'My grandmother kept a jar of buttons on the kitchen shelf.',
  'The train to the coast was late again this evening.',
  'He forgot his keys, so he climbed in through the window.',
  'Scientists measured the temperature of the lake at dawn.',
  'Please remember to water the plants while I am away.',
  'The old bridge was closed after the storm damaged its supports.',
  'We ate dinner on the balcony and watched the boats come in.',
  'Why did the lights in the hallway flicker all night?',
  'Could you tell me where the nearest pharmacy is?',
  'The cat ignored the new toy and slept in the empty box.',
  'Inflation rose sharply, and the central bank raised interest rates.',
  'The violinist played the final note and the hall fell silent.',
  'Apples, pears, plums, cherries, and grapes filled the basket.',
  'Monday, Tuesday, Wednesday, Thursday, Friday.',
  'The quick brown fox jumps over the lazy dog.',
  'Colorless green ideas sleep furiously.',
  'Sleep furiously ideas green colorless.',
  'The the the of of and and.',
  'Table chair window door carpet lamp.',
  'Mitochondrial membrane potential depends on proton gradients.',
  'The defendant pleaded not guilty to all three charges.',
  'If it rains tomorrow, the picnic will move indoors.',
  'Nobody expected the quiet student to win the debate.',
  'The recipe calls for two cups of flour and a pinch of salt.',
  'A dog barked somewhere down the street.',
  'The mayor promised to repair the potholes before winter.',
  'Her brother moved to another city to study architecture.',
  'The museum reopened after a year of renovations.',
  'Lol ok see u there tmrw.',
  'Ten, nine, eight, seven, six, five, four.',
  'Although tired, the hikers pushed on toward the summit.',
  'The printer jammed twice before the report was finished.',
  'Whales migrate thousands of miles every year.',
  'I never said she stole the money.',
  'The soup was too salty, but nobody complained.',
  'Green is the colour of the door that we painted last summer.',
  'The password must contain at least eight characters.',
];

const SUBJECTS = ['The teacher', 'My neighbour', 'A young doctor', 'The old fisherman', 'Our manager', 'The little girl', 'A tired driver', 'The new student', 'His sister', 'The committee', 'A stray dog', 'The pilot'];
const VERBS = ['found', 'painted', 'repaired', 'described', 'carried', 'forgot', 'noticed', 'sold', 'borrowed', 'cleaned', 'opened', 'ignored'];
const OBJECTS = ['the broken window', 'a letter from home', 'the red bicycle', 'an empty bottle', 'the garden gate', 'a strange map', 'the kitchen table', 'a pile of books', 'the wooden boat', 'a warm coat', 'the last ticket', 'an old photograph'];
const ENDINGS = ['yesterday.', 'before lunch.', 'in the rain.', 'after the party.', 'without a word.', 'near the station.', 'on Sunday morning.', 'for the first time.', 'at the market.', 'in a hurry.'];
const ODD = ['Quickly the under.', 'Green sleeps idea furiously.', 'Of the the and.', 'Window carpet lamp door.', 'Seven eleven twelve.', 'Yes no maybe so.'];

/**
 * Seeded template sentences for the synthetic ground truth (subject · verb · object · ending, plus a few
 * word salads so the set is not uniform); disjoint from DEMO_POOL. Plain Mulberry32 so the same seed gives the same sentences.
 */
export function templateSentences(count: number, seed = 1): string[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const out = new Set<string>();
  let guard = 0;
  while (out.size < count && guard++ < count * 50) {
    out.add(rand() < 0.08 ? `${pick(ODD)} ${pick(ODD)}` : `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(ENDINGS)}`);
  }
  return [...out];
}
