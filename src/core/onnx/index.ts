export {
  onnx, decodeModel, encodeModel, cloneModel, modelOpset, modelInputs, modelOutputs, initializerNames, initializerFloats,
  tensorFloats, elemTypeName, toNumber, ElemType,
  type ModelProto, type IModelProto, type DecodedModel, type DecodedGraph, type DecodedNode, type NodeProto, type TensorProto, type ValueInfoProto, type TensorSignature,
} from './proto';
export { listLayers, LAYERS_METADATA_KEY } from './layers';
export { exposeTensors, exposeTensorsInModel } from './expose';
export { indexGraph, optionalOutputName, type GraphIndex } from './graph';
export { GraphBuilder, type AttrValue } from './builder';
export { buildHmaxModel, hmaxSpec, hmaxShapes, hmaxTemplates, gaborKernel, HMAX_ORIENTATIONS_DEG, type HmaxOptions, type HmaxShapes } from './hmax';
