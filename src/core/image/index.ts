export { decodeImage, decodeImageAsync, loadImageCodecs, declaredImageSize, detectImageFormat, MAX_IMAGE_PIXELS, type RgbaImage, type ImageFormat } from './decode';
export { listZipImages, compareNatural, type ZipEntry } from './zip';
export {
  imagenetSpec, preprocessImage, preprocessDecoded, preprocessBytes, batchToTensor, preprocessedDims, channelCount, validateSpec,
  type PreprocessSpec,
} from './preprocess';
