// The service contract (test/service/contract.ts) against the real Workers entry, inside workerd.
import { serviceContract } from '../contract.ts'
import { workerdService } from './service.ts'

serviceContract(workerdService)
