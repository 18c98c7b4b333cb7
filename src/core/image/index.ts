export { decodeImage, detectImageFormat, type RgbaImage, type ImageFormat } from './decode';
export { listZipImages, compareNatural, type ZipEntry } from './zip';
export {
  imagenetSpec, preprocessImage, preprocessDecoded, preprocessBytes, batchToTensor, preprocessedDims, channelCount, validateSpec,
  type PreprocessSpec,
} from './preprocess';
