/** Content and "seen" flag of the first-run tour. */

export interface TourStep {
  title: string;
  body: string[];
  link?: { href: string; label: string };
}

export const TOUR_SEEN_KEY = 'silico.tourSeen';

export const TOUR_STEPS: TourStep[] = [
  {
    title: 'Welcome to Silico',
    body: [
      'Silico is a neuroscience lab that runs in your browser: you do experiments on artificial neural networks the way neuroscientists do them on brains.',
      'Everything runs on this computer. Nothing you load is uploaded anywhere.',
    ],
  },
  {
    title: 'Predictivity: which layer is like which brain area?',
    body: [
      'Show a model the same images a monkey saw, record every layer, and test how well each layer predicts the neurons of V1, V4 or IT (ridge, PLS or RSA, scaled by the data’s noise ceiling).',
      'Try it first with the built-in HMAX model on the synthetic demo benchmark: it needs no download.',
    ],
    link: { href: '#/predictivity', label: 'Open the Predictivity lab' },
  },
  {
    title: 'Microstimulation: nudge a face patch',
    body: [
      'Like Afraz et al. (2006), stimulate a small patch of “face-selective” units inside a model and see whether its face/non-face choices shift.',
      'Use the arrow keys on the cortical sheet to move the electrode and Enter to stimulate.',
    ],
    link: { href: '#/microstim', label: 'Open the Microstimulation lab' },
  },
  {
    title: 'Language: drive the language network',
    body: [
      'Fit an encoding model from a language model’s layers to language-network responses, then search for sentences that drive or suppress it (Tuckute et al., 2024).',
    ],
    link: { href: '#/language', label: 'Open the Language lab' },
  },
  {
    title: 'Keep and show your work',
    body: [
      'Save runs to the Notebook, export them to a file, and re-open them later. After a first visit the app also works offline.',
      'Press p to present plots full screen (arrow keys move, Esc exits). This tour is always one click away on the ? button.',
    ],
    link: { href: '#/notebook', label: 'Open the Notebook' },
  },
];

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // blocked storage (privacy settings)
  }
}

export function tourSeen(): boolean {
  return storage()?.getItem(TOUR_SEEN_KEY) === '1';
}

export function markTourSeen(): void {
  try {
    storage()?.setItem(TOUR_SEEN_KEY, '1');
  } catch {
    /* storage full or blocked: the tour shows again next time, which is harmless */
  }
}

/**
 * Open by itself on a first visit, but not in automated browsers (navigator.webdriver): a modal there
 * would sit over every page that an automated test drives.
 */
export function shouldAutoOpenTour(): boolean {
  return !tourSeen() && !globalThis.navigator?.webdriver;
}
