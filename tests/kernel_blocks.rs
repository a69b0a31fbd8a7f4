//! Generated kernels run their instances in vector blocks, the last block
//! overlapping the one before when the count is not a multiple of the
//! block (nmodl's `with_padded_tail`). Whatever the count and the range,
//! every instance must get exactly the bits that a call for it alone gives.

use neurite::mechanisms::generated::{ar, ca, cad, cat, km};
use neurite::mechanisms::{EventOutbox, InstanceSetup, Mechanism, MechanismInfo, StepGlobals, VariableRole};

/// `count` instances with the default parameters, initialized at varied
/// voltages (varied states).
fn instances(info: &MechanismInfo, count: usize) -> Box<dyn Mechanism> {
    let parameters = info.parameter_defaults().into_iter().map(|p| vec![p; count]).collect();
    let setup = InstanceSetup {
        count,
        area_factor: Vec::new(),
        parameters,
        diam: vec![2.0; count],
        area: vec![300.0; count],
        random_ids: Vec::new(),
    };
    let mut mechanism = (info.create)(setup);
    let v0: Vec<f64> = (0..count).map(|k| -80.0 + 3.7 * k as f64).collect();
    let globals = StepGlobals { t: 0.0, dt: 0.025, celsius: 37.0 };
    mechanism.initialize(&v0, &globals, &mut EventOutbox::default());
    mechanism
}

fn variables(info: &MechanismInfo, mechanism: &dyn Mechanism) -> Vec<(String, Vec<u64>)> {
    info.variables
        .iter()
        .filter(|v| v.role != VariableRole::Parameter)
        .filter_map(|v| {
            mechanism.variable(v.name).map(|x| (v.name.to_string(), x.iter().map(|x| x.to_bits()).collect()))
        })
        .collect()
}

#[test]
fn blocks_give_each_instance_what_it_gets_alone() {
    let infos: [&MechanismInfo; 5] = [&ar::INFO, &ca::INFO, &cad::INFO, &cat::INFO, &km::INFO];
    let globals = StepGlobals { t: 0.5, dt: 0.025, celsius: 37.0 };
    for info in infos {
        // Ranges of 1 to 67 instances: plain loops below 32, whole blocks
        // with an overlapping last one above.
        for count in [1, 5, 7, 8, 9, 13, 15, 16, 17, 23, 24, 31, 40, 48, 50, 51, 77, 100] {
            // The range starts past instance 0, as a run of nodes does.
            let lo = count / 3;
            let v: Vec<f64> = (0..count).map(|k| -75.0 + 4.3 * k as f64).collect();
            let mut together = instances(info, count);
            let mut alone = instances(info, count);
            for step in 0..3 {
                let (mut rhs, mut d) = (vec![0.25; count], vec![1.5; count]);
                together.current(lo..count, &v[lo..], &mut rhs[lo..], &mut d[lo..], &globals);
                let (mut rhs1, mut d1) = (vec![0.25; count], vec![1.5; count]);
                for k in lo..count {
                    alone.current(k..k + 1, &v[k..k + 1], &mut rhs1[k..k + 1], &mut d1[k..k + 1], &globals);
                }
                let bits = |x: &[f64]| x.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&rhs), bits(&rhs1), "{} rhs, {count} instances, step {step}", info.name);
                assert_eq!(bits(&d), bits(&d1), "{} d, {count} instances, step {step}", info.name);
                together.advance_state(lo..count, &v[lo..], &globals);
                for k in lo..count {
                    alone.advance_state(k..k + 1, &v[k..k + 1], &globals);
                }
                assert_eq!(
                    variables(info, together.as_ref()),
                    variables(info, alone.as_ref()),
                    "{}, {count} instances from {lo}, step {step}",
                    info.name
                );
            }
        }
    }
}
